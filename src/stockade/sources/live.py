"""Objects as read from a cluster: normalised once, whether listed live or restored from a snapshot.

- List items get their ``apiVersion`` and ``kind`` back (the API omits them inside lists).
- Secrets keep metadata only, and lose the ``kubectl.kubernetes.io/last-applied-configuration``
  annotation, which holds the whole manifest, values included.
- ``metadata.managedFields`` keeps who changed what and when (manager, operation, time,
  apiVersion, subresource) but drops ``fieldsV1``, the bulk of every object's size.
- Pods, ReplicaSets and Jobs created by a controller that was read too are left out of the
  inventory: their controller's template carries the same spec, and one finding per workload
  beats one per replica.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import orjson

from stockade.inventory.resource import Origin, Resource

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
_MANAGED_KEYS = ("manager", "operation", "time", "apiVersion", "subresource")
_OWNED_KINDS = frozenset({"Pod", "ReplicaSet", "Job"})


def metadata_only(obj: dict[str, Any], api_version: str, kind: str) -> dict[str, Any]:
    """An object reduced to its metadata, without the annotation that may copy its values."""
    meta = obj.get("metadata")
    meta = dict(meta) if isinstance(meta, dict) else {}
    ann = meta.get("annotations")
    if isinstance(ann, dict) and LAST_APPLIED in ann:
        meta["annotations"] = {k: v for k, v in ann.items() if k != LAST_APPLIED}
    return {"apiVersion": api_version, "kind": kind, "metadata": meta}


def normalise(
    obj: dict[str, Any], api_version: str, kind: str, *, metadata_only_kind: bool = False
) -> dict[str, Any]:
    """One list item as Stockade keeps it (see the module docstring)."""
    if metadata_only_kind or kind == "Secret":
        obj = metadata_only(obj, api_version, kind)
    else:
        obj.setdefault("apiVersion", api_version)
        obj.setdefault("kind", kind)
        if obj.get("kind") != kind or obj.get("apiVersion") != api_version:
            obj["apiVersion"], obj["kind"] = api_version, kind
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        fields = meta.get("managedFields")
        if isinstance(fields, list):
            meta["managedFields"] = [
                {k: e[k] for k in _MANAGED_KEYS if k in e} for e in fields if isinstance(e, dict)
            ]
    return obj


def last_change(obj: dict[str, Any]) -> dict[str, Any] | None:
    """Who last changed an object: the managedFields entry with the latest time."""
    meta = obj.get("metadata")
    fields = meta.get("managedFields") if isinstance(meta, dict) else None
    if not isinstance(fields, list):
        return None
    best: dict[str, Any] | None = None
    for e in fields:
        if not isinstance(e, dict) or not isinstance(e.get("manager"), str):
            continue
        # RFC 3339 UTC timestamps sort as strings; a missing time sorts first.
        if best is None or str(e.get("time") or "") >= str(best.get("time") or ""):
            best = e
    if best is None:
        return None
    out = {"manager": best["manager"], "operation": best.get("operation"), "time": best.get("time")}
    if best.get("subresource"):
        out["subresource"] = best["subresource"]
    return out


def _controller(obj: dict[str, Any]) -> tuple[str, str] | None:
    meta = obj.get("metadata")
    refs = meta.get("ownerReferences") if isinstance(meta, dict) else None
    for ref in refs if isinstance(refs, list) else ():
        if isinstance(ref, dict) and ref.get("controller") is True:
            return str(ref.get("kind", "")), str(ref.get("uid", ""))
    return None


_OWNED_PREFIXES = tuple(
    f'{{"apiVersion":"{v}","kind":"{k}",'.encode()
    for v, k in (("v1", "Pod"), ("apps/v1", "ReplicaSet"), ("batch/v1", "Job"))
)
_CONTROLLER_UID = re.compile(rb'"uid":"([^"]+)","controller":true')


def deferrable_owner(line: bytes) -> str | None:
    """The controller uid of a serialised Pod, ReplicaSet or Job as `write_snapshot` writes it.

    A cheap byte-level look that lets a reader keep such objects unparsed until it knows
    whether the owner was captured; None when the line is anything else.
    """
    if not line.startswith(_OWNED_PREFIXES):
        return None
    m = _CONTROLLER_UID.search(line)
    return m.group(1).decode() if m else None


def defer(obj: dict[str, Any]) -> tuple[str, bytes] | None:
    """(controller uid, serialised object) for a controller-owned Pod, ReplicaSet or Job.

    Such objects are usually folded into their controller, so readers keep them serialised
    (a fraction of a parsed dict's size) and parse only those whose controller is missing.
    """
    if obj.get("kind") not in _OWNED_KINDS:
        return None
    owner = _controller(obj)
    return (owner[1], orjson.dumps(obj)) if owner is not None else None


def live_resources(
    objects: Iterable[dict[str, Any]],
    label: str,
    deferred: Iterable[tuple[str, bytes]] = (),
) -> tuple[list[Resource], int]:
    """Resources for the inventory, and how many controller-owned objects were folded away.

    ``deferred`` holds (controller uid, serialised object) pairs not parsed yet: each is parsed
    only when its controller is absent.
    """
    objs = list(objects)
    uids = set()
    for o in objs:
        meta = o.get("metadata")
        if isinstance(meta, dict) and meta.get("uid"):
            uids.add(str(meta["uid"]))
    deferred = list(deferred)
    uids.update(_uid(raw) for _, raw in deferred)
    folded = 0
    for controller_uid, raw in deferred:
        if controller_uid in uids:
            folded += 1
        else:
            obj = orjson.loads(raw)
            objs.append(normalise(obj, str(obj.get("apiVersion")), str(obj.get("kind"))))
    origin = Origin(label, live=True)
    out: list[Resource] = []
    for o in objs:
        if o.get("kind") in _OWNED_KINDS:
            owner = _controller(o)
            if owner is not None and owner[1] in uids:
                folded += 1
                continue
        out.append(Resource.from_object(o, origin))
    return out, folded


_UID = re.compile(rb'"metadata":\{[^{}]*?"uid":"([^"]+)"')


def _uid(raw: bytes) -> str:
    """The metadata.uid of a serialised object (its first uid field, as orjson orders it)."""
    m = _UID.search(raw)
    if m:
        return m.group(1).decode()
    meta = orjson.loads(raw).get("metadata") or {}
    return str(meta.get("uid", ""))
