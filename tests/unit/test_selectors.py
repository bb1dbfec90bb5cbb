"""One label-selector implementation for every engine: raw selectors read as the API reads them."""

from __future__ import annotations

from typing import Any

import pytest

from stockade.inventory.selectors import parse_selector, selector_matches

LABELS = {"app": "web", "tier": "front"}


@pytest.mark.parametrize(
    ("selector", "selected"),
    [
        ({}, True),
        (None, False),
        ({"matchLabels": {"app": "web"}}, True),
        ({"matchLabels": {"app": "api"}}, False),
        (
            {"matchExpressions": [{"key": "tier", "operator": "In", "values": ["front", "back"]}]},
            True,
        ),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["front"]}]}, False),
        ({"matchExpressions": [{"key": "env", "operator": "NotIn", "values": ["prod"]}]}, True),
        ({"matchExpressions": [{"key": "env", "operator": "DoesNotExist"}]}, True),
        ({"matchExpressions": [{"key": "app", "operator": "Exists"}]}, True),
        # Rejected by the API server, so they select nothing.
        ({"matchExpressions": [{"key": "app", "operator": "Equals", "values": ["web"]}]}, False),
        ({"matchExpressions": [{"key": "app", "operator": "In", "values": []}]}, False),
        ({"matchLabels": ["app", "web"]}, False),
    ],
)
def test_raw_selectors(selector: dict[str, Any] | None, selected: bool) -> None:
    assert selector_matches(selector, LABELS) is selected


def test_problems_are_reported() -> None:
    sel, problems = parse_selector(
        {"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x"]}]}
    )
    assert not sel.valid
    assert problems == ["matchExpressions[0]: operator Exists takes no values"]
