"""Label selectors as values: parsed once, validated, hashable, shared by every engine.

A selector is parsed once into a hashable `Selector` so equal selectors written in different
objects are evaluated once. Semantics follow ``metav1.LabelSelector``: ``matchLabels`` and
``matchExpressions`` are AND-ed, ``{}`` selects everything, ``NotIn`` and ``DoesNotExist``
select objects lacking the key, and a malformed selector (unknown operator, ``In`` without
values) selects nothing — the API server would have rejected it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

_OPERATORS = frozenset({"In", "NotIn", "Exists", "DoesNotExist"})

Expression = tuple[str, str, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Selector:
    """A parsed label selector; ``valid=False`` selects nothing."""

    match_labels: tuple[tuple[str, str], ...] = ()
    expressions: tuple[Expression, ...] = ()
    valid: bool = True

    @property
    def selects_all(self) -> bool:
        """Whether this is the empty selector ``{}`` (everything)."""
        return self.valid and not self.match_labels and not self.expressions

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether the selector selects an object with ``labels``."""
        if not self.valid:
            return False
        for k, v in self.match_labels:
            if labels.get(k) != v:
                return False
        for key, op, values in self.expressions:
            present = key in labels
            if op == "In":
                if not present or labels[key] not in values:
                    return False
            elif op == "NotIn":
                if present and labels[key] in values:
                    return False
            elif op == "Exists":
                if not present:
                    return False
            elif present:  # DoesNotExist
                return False
        return True

    def describe(self) -> str:
        """``app=web,tier in (a,b)``; ``{}`` for the empty selector."""
        if not self.valid:
            return "<invalid>"
        parts = [f"{k}={v}" for k, v in self.match_labels]
        for key, op, values in self.expressions:
            if op == "Exists":
                parts.append(key)
            elif op == "DoesNotExist":
                parts.append(f"!{key}")
            else:
                word = "in" if op == "In" else "notin"
                parts.append(f"{key} {word} ({','.join(values)})")
        return ",".join(parts) or "{}"


def parse_selector(raw: Any) -> tuple[Selector, list[str]]:
    """Parse a LabelSelector mapping; returns the selector and problems found."""
    problems: list[str] = []
    if not isinstance(raw, dict):
        return Selector(valid=False), [f"selector must be a mapping, got {type(raw).__name__}"]
    valid = True
    labels_raw = raw.get("matchLabels") or {}
    if not isinstance(labels_raw, dict):
        problems.append("matchLabels must be a mapping")
        labels_raw, valid = {}, False
    match_labels = tuple(
        sorted((str(k), "" if v is None else str(v)) for k, v in labels_raw.items())
    )
    exprs: list[Expression] = []
    exprs_raw = raw.get("matchExpressions") or []
    if not isinstance(exprs_raw, list):
        problems.append("matchExpressions must be a list")
        exprs_raw, valid = [], False
    for i, e in enumerate(exprs_raw):
        if not isinstance(e, dict):
            problems.append(f"matchExpressions[{i}] must be a mapping")
            valid = False
            continue
        key, op = str(e.get("key", "")), e.get("operator")
        values_raw = e.get("values") or []
        values = tuple(sorted({str(v) for v in values_raw})) if isinstance(values_raw, list) else ()
        if op not in _OPERATORS:
            problems.append(f"matchExpressions[{i}]: unknown operator {op!r}")
            valid = False
        elif op in ("In", "NotIn") and not values:
            problems.append(f"matchExpressions[{i}]: operator {op} needs values")
            valid = False
        elif op in ("Exists", "DoesNotExist") and values:
            problems.append(f"matchExpressions[{i}]: operator {op} takes no values")
            valid = False
        exprs.append((key, str(op), values))
    return Selector(match_labels, tuple(sorted(exprs)), valid), problems


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """Whether a raw LabelSelector (matchLabels + matchExpressions) selects ``labels``.

    An empty selector selects everything; ``None`` or a malformed selector selects nothing, as
    the API server would have rejected it.
    """
    if selector is None:
        return False
    return parse_selector(selector)[0].matches(labels)
