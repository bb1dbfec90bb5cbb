"""Units of the live source: normalisation, last change, folding, unreadable kinds -> rules."""

from __future__ import annotations

from typing import Any

import orjson

from stockade.inventory.resource import Origin, Resource
from stockade.rules.catalogue import load_catalogue
from stockade.sources.coverage import UnreadableKind, not_evaluated_for, reads_kind
from stockade.sources.live import (
    deferrable_owner,
    last_change,
    live_resources,
    normalise,
)


def test_secret_normalises_to_metadata_without_last_applied() -> None:
    obj: dict[str, Any] = {
        "metadata": {
            "name": "db",
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": '{"data":{"p":"eA=="}}',
                "team": "a",
            },
        },
        "data": {"p": "eA=="},
        "stringData": {"q": "x"},
    }
    out = normalise(obj, "v1", "Secret")
    assert out == {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db", "annotations": {"team": "a"}},
    }


def test_managed_fields_keep_who_and_when_but_not_fields() -> None:
    obj = {
        "metadata": {
            "name": "x",
            "managedFields": [
                {
                    "manager": "a",
                    "operation": "Apply",
                    "time": "2024-01-02T00:00:00Z",
                    "fieldsType": "FieldsV1",
                    "fieldsV1": {"f:spec": {}},
                },
                {
                    "manager": "b",
                    "operation": "Update",
                    "time": "2024-01-01T00:00:00Z",
                    "subresource": "status",
                },
            ],
        }
    }
    out = normalise(obj, "apps/v1", "Deployment")
    assert out["kind"] == "Deployment" and out["apiVersion"] == "apps/v1"
    assert all("fieldsV1" not in e for e in out["metadata"]["managedFields"])
    assert last_change(out) == {
        "manager": "a",
        "operation": "Apply",
        "time": "2024-01-02T00:00:00Z",
    }
    assert last_change({"metadata": {}}) is None


def _pod(name: str, uid: str, owner: str | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "uid": uid}
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "rs",
                "uid": owner,
                "controller": True,
            }
        ]
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": {}}


def test_owned_objects_fold_only_when_their_controller_was_read() -> None:
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs", "uid": "r1"}}
    objs = [rs, _pod("owned", "p1", "r1"), _pod("orphan", "p2", "gone"), _pod("bare", "p3", None)]
    resources, folded = live_resources(objs, "cluster:t")
    assert sorted(r.name for r in resources) == ["bare", "orphan", "rs"]
    assert folded == 1
    assert all(r.origin == Origin("cluster:t", live=True) for r in resources)


def test_deferred_lines_fold_like_parsed_objects() -> None:
    owned = orjson.dumps(_pod("owned", "p1", "r1"))
    orphan = orjson.dumps(_pod("orphan", "p2", "gone"))
    assert deferrable_owner(owned) == "r1"
    assert deferrable_owner(orjson.dumps({"apiVersion": "v1", "kind": "Service"})) is None
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "rs", "uid": "r1"}}
    resources, folded = live_resources([rs], "cluster:t", [("r1", owned), ("gone", orphan)])
    assert sorted(r.name for r in resources) == ["orphan", "rs"] and folded == 1


def test_unreadable_kind_names_the_rules_that_read_it() -> None:
    rules = list(load_catalogue())
    by_id = {r.id: r for r in rules}
    assert reads_kind(by_id["privileged-container"], "Deployment")
    assert not reads_kind(by_id["privileged-container"], "Service")
    assert reads_kind(by_id["service-nodeport"], "Service")
    assert reads_kind(by_id["secret-not-rotated"], "Secret")
    assert not reads_kind(by_id["secret-not-rotated"], "Service")
    [entry] = not_evaluated_for(rules, [UnreadableKind("Service", "v1", "forbidden", 403, "shop")])
    assert "service-nodeport" in entry.rules and "privileged-container" not in entry.rules
    assert entry.scope == "Service in namespace shop" and "403" in entry.reason


def test_unreadable_round_trips_through_json() -> None:
    u = UnreadableKind("Secret", "v1", "forbidden (x)", 403, None)
    assert UnreadableKind.from_json(orjson.loads(orjson.dumps(u.to_json()))) == u


def test_resource_from_live_object_keeps_origin() -> None:
    r = Resource.from_object(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a"}},
        Origin("cluster:x", live=True),
    )
    assert r.origin.live and r.origin.line is None
