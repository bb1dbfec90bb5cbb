"""Kubernetes' bootstrap RBAC policy, shipped as data and added to an inventory on demand.

The default cluster roles and bindings (``cluster-admin`` for ``system:masters``,
``system:basic-user`` for ``system:authenticated``, the component and controller roles…) live in
the API server, not in manifests. Adding them makes answers about ``system:*`` identities
complete. The data (``stockade/data/rbac-defaults/``) is written compactly; this module expands it
into ordinary RBAC objects. An object already in the inventory wins over the default of the same
kind and name (a cluster may have edited it).
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

from stockade.errors import UsageError
from stockade.inventory import Inventory, Origin, Resource

_DIR = "rbac-defaults"
_API = "rbac.authorization.k8s.io/v1"


def _text(name: str) -> str:
    return resources.files("stockade.data").joinpath(_DIR).joinpath(name).read_text("utf-8")


@cache
def _versions() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(_text("versions.yaml"))
    return data


def supported_versions() -> list[str]:
    """Kubernetes versions whose bootstrap policy is shipped."""
    return sorted(_versions()["versions"])


def resolve_version(version: str) -> str:
    """``1.33``, ``v1.33``, ``v1.33.2`` or ``latest`` -> ``v1.33``; UsageError otherwise."""
    v = version.strip().lower()
    if v == "latest":
        return str(_versions()["latest"])
    if not v.startswith("v"):
        v = f"v{v}"
    parts = v.split(".")
    key = ".".join(parts[:2])
    if key not in _versions()["versions"]:
        raise UsageError(
            f"no bootstrap RBAC policy for Kubernetes {version!r}",
            f"Supported: {', '.join(supported_versions())} (or latest).",
        )
    return key


def _rule(text: str) -> dict[str, Any]:
    parts = [p.strip() for p in text.split("|")]
    verbs = parts[0].split(",")
    if len(parts) == 2:
        return {"verbs": verbs, "nonResourceURLs": parts[1].split(",")}
    groups = ["" if g == "core" else g for g in parts[1].split(",")]
    rule: dict[str, Any] = {"apiGroups": groups, "resources": parts[2].split(","), "verbs": verbs}
    if len(parts) == 4:
        rule["resourceNames"] = parts[3].split(",")
    return rule


def _subject(text: str) -> dict[str, Any]:
    kind, _, name = text.partition(" ")
    if kind == "ServiceAccount":
        ns, _, sa = name.partition("/")
        return {"kind": kind, "name": sa, "namespace": ns}
    return {"kind": kind, "name": name, "apiGroup": "rbac.authorization.k8s.io"}


def _objects(data: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    labels = {"kubernetes.io/bootstrapping": "rbac-defaults"}
    for r in data.get("clusterRoles", []):
        obj: dict[str, Any] = {
            "apiVersion": _API,
            "kind": "ClusterRole",
            "metadata": {"name": r["name"], "labels": {**labels, **r.get("labels", {})}},
            "rules": [_rule(x) for x in r.get("rules", [])],
        }
        if "aggregate" in r:
            obj["aggregationRule"] = {
                "clusterRoleSelectors": [{"matchLabels": {r["aggregate"]: "true"}}]
            }
        out.append(obj)
    for r in data.get("roles", []):
        out.append(
            {
                "apiVersion": _API,
                "kind": "Role",
                "metadata": {"name": r["name"], "namespace": r["namespace"], "labels": labels},
                "rules": [_rule(x) for x in r.get("rules", [])],
            }
        )
    for kind, key, ref_kind in (
        ("ClusterRoleBinding", "clusterRoleBindings", "ClusterRole"),
        ("RoleBinding", "roleBindings", "Role"),
    ):
        for b in data.get(key, []):
            meta: dict[str, Any] = {"name": b["name"], "labels": labels}
            if "namespace" in b:
                meta["namespace"] = b["namespace"]
            out.append(
                {
                    "apiVersion": _API,
                    "kind": kind,
                    "metadata": meta,
                    "roleRef": {
                        "apiGroup": "rbac.authorization.k8s.io",
                        "kind": ref_kind,
                        "name": b["role"],
                    },
                    "subjects": [_subject(s) for s in b.get("subjects", [])],
                }
            )
    return out


def default_resources(version: str) -> list[Resource]:
    """The bootstrap RBAC objects of a Kubernetes version, as resources."""
    key = resolve_version(version)
    name = _versions()["versions"][key]
    data = yaml.safe_load(_text(name))
    origin = Origin(f"<bootstrap RBAC policy {key}>")
    return [Resource.from_object(obj, origin) for obj in _objects(data)]


def with_defaults(inventory: Inventory, version: str) -> Inventory:
    """The inventory plus the bootstrap policy; objects already present win."""
    extra = [
        r for r in default_resources(version) if inventory.get(r.kind, r.namespace, r.name) is None
    ]
    return Inventory([*inventory.resources, *extra])
