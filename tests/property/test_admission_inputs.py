"""Property: whatever an object's fields hold, the webhook answers the review; it never fails.

Objects written by others (the corpora: Deployments, Services, RBAC, Ingresses, CRDs, …) are
damaged at random places with random JSON (null, numbers, strings, lists, maps where other
types belong) and sent through the application. The API server validates most of this before a
webhook sees it, but not all (custom resources, older API servers, a proxy in between): each
review must still get a 200 with its own uid and a decision, or a 400 that says what is wrong,
never the 500 of an internal error.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stockade.admission.app import ValidateFirst, WebhookState, create_app
from stockade.sources.files import load_paths

from tests.admission.harness import asgi_call, request_for
from tests.conftest import shared

JSON = [(b"content-type", b"application/json")]


@cache
def _objects() -> list[dict[str, Any]]:
    loaded = load_paths([str(shared("corpora"))])
    return [r.obj for r in loaded.resources if isinstance(r.obj.get("metadata"), dict)]


@cache
def _app() -> ValidateFirst:
    return create_app(WebhookState.from_files(None, mode="enforce", fail_on="low"))


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**31), 2**31)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from(["", "*", "0", "true", "RuntimeDefault", "../..", "a" * 300]),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)


def _places(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            out += _places(value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            out += _places(value, (*path, i))
    return out


def _damage(obj: dict[str, Any], picks: list[tuple[float, Any]]) -> dict[str, Any]:
    out = copy.deepcopy(obj)
    for where, value in picks:
        places = _places(out)[1:]
        if not places:
            break
        path = places[int(where * len(places)) % len(places)]
        parent = out
        for step in path[:-1]:
            parent = parent[step]
        parent[path[-1]] = copy.deepcopy(value)
    return out


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    index=st.integers(min_value=0),
    picks=st.lists(
        st.tuples(st.floats(0, 1, exclude_max=True), json_values), min_size=1, max_size=3
    ),
    operation=st.sampled_from(["CREATE", "UPDATE"]),
)
def test_every_damaged_object_gets_an_answer(
    index: int, picks: list[tuple[float, Any]], operation: str
) -> None:
    objects = _objects()
    original = objects[index % len(objects)]
    damaged = _damage(original, picks)
    request = request_for(original, operation=operation, old=original)
    request["object"] = damaged
    body = orjson.dumps(
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
    )
    status, _, raw = asgi_call(_app(), "POST", "/validate", JSON, [body])
    answer = orjson.loads(raw)
    if status == 400:
        assert answer["error"] and answer["hint"]
        return
    assert status == 200, answer
    response = answer["response"]
    assert response["uid"] == request["uid"]
    assert isinstance(response["allowed"], bool)
    if not response["allowed"]:
        assert response["status"]["message"]


@pytest.mark.parametrize("kind", ["Deployment", "ClusterRoleBinding", "Service", "Ingress"])
def test_the_corpora_hold_the_kinds_damaged_here(kind: str) -> None:
    assert any(o.get("kind") == kind for o in _objects())
