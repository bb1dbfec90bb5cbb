"""Building RBAC objects for tests."""

from __future__ import annotations

import random
from typing import Any

from stockade.inventory import Inventory, Origin, Resource

API = "rbac.authorization.k8s.io/v1"


def res(obj: dict[str, Any]) -> Resource:
    """A resource from an object."""
    return Resource.from_object(obj, Origin("test.yaml", line=1))


def role(
    name: str,
    rules: list[dict[str, Any]],
    namespace: str | None = None,
    labels: dict[str, str] | None = None,
    aggregate: list[dict[str, Any]] | None = None,
) -> Resource:
    """A Role (with a namespace) or a ClusterRole."""
    meta: dict[str, Any] = {"name": name, "labels": labels or {}}
    if namespace:
        meta["namespace"] = namespace
    obj: dict[str, Any] = {
        "apiVersion": API,
        "kind": "Role" if namespace else "ClusterRole",
        "metadata": meta,
        "rules": rules,
    }
    if aggregate is not None:
        obj["aggregationRule"] = {"clusterRoleSelectors": aggregate}
    return res(obj)


def binding(
    name: str,
    role_kind: str,
    role_name: str,
    subjects: list[dict[str, Any]],
    namespace: str | None = None,
) -> Resource:
    """A RoleBinding (with a namespace) or a ClusterRoleBinding."""
    meta: dict[str, Any] = {"name": name}
    if namespace:
        meta["namespace"] = namespace
    return res(
        {
            "apiVersion": API,
            "kind": "RoleBinding" if namespace else "ClusterRoleBinding",
            "metadata": meta,
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": role_kind,
                "name": role_name,
            },
            "subjects": subjects,
        }
    )


def rule(verbs: str, resources: str, groups: str = "", names: str = "") -> dict[str, Any]:
    """A rule from comma-separated fields (group ``core`` or empty = the core group)."""
    out: dict[str, Any] = {
        "verbs": verbs.split(","),
        "resources": resources.split(","),
        "apiGroups": ["" if g == "core" else g for g in (groups or "core").split(",")],
    }
    if names:
        out["resourceNames"] = names.split(",")
    return out


def sa(name: str, namespace: str | None = None) -> dict[str, Any]:
    """A ServiceAccount subject."""
    out: dict[str, Any] = {"kind": "ServiceAccount", "name": name}
    if namespace is not None:
        out["namespace"] = namespace
    return out


def user(name: str) -> dict[str, Any]:
    """A User subject."""
    return {"kind": "User", "name": name, "apiGroup": "rbac.authorization.k8s.io"}


def group(name: str) -> dict[str, Any]:
    """A Group subject."""
    return {"kind": "Group", "name": name, "apiGroup": "rbac.authorization.k8s.io"}


def inv(*resources: Resource) -> Inventory:
    """An inventory."""
    return Inventory(resources)


# ---- random RBAC sets, for the tests that compare the index with a naive evaluation ---------

RANDOM_NAMESPACES = ["a", "b", "c"]
RANDOM_VERBS = ["get", "list", "create", "delete", "escalate", "*"]
RANDOM_GROUPS = ["", "apps", "example.com", "*"]
RANDOM_RESOURCES = [
    "pods",
    "pods/exec",
    "pods/log",
    "pods/*",
    "secrets",
    "nodes",
    "nodes/proxy",
    "deployments",
    "deployments/scale",
    "*/scale",
    "*",
    "widgets",
]
RANDOM_NAMES = ["x", "y"]
RANDOM_URLS = ["/healthz", "/healthz/*", "/metrics", "*"]
RANDOM_SUBJECTS: list[dict[str, Any]] = [
    user("u0"),
    user("u1"),
    user("system:serviceaccount:a:s0"),
    group("g0"),
    group("system:authenticated"),
    group("system:serviceaccounts"),
    group("system:serviceaccounts:b"),
    sa("s0", "a"),
    sa("s1", "b"),
    sa("s2"),  # namespace from the RoleBinding
]
RANDOM_LABELS = [{"agg": "one"}, {"agg": "two"}, {}]


def random_rule(rng: random.Random, cluster: bool) -> dict[str, Any]:
    """One policy rule: non-resource URLs (cluster roles only), wildcards, resourceNames."""
    if cluster and rng.random() < 0.15:
        return {"verbs": rng.sample(["get", "*"], 1), "nonResourceURLs": rng.sample(RANDOM_URLS, 2)}
    out: dict[str, Any] = {
        "verbs": rng.sample(RANDOM_VERBS, rng.randint(1, 2)),
        # Sometimes the same group twice: a rule is still one candidate.
        "apiGroups": [rng.choice(RANDOM_GROUPS) for _ in range(rng.randint(1, 2))],
        "resources": rng.sample(RANDOM_RESOURCES, rng.randint(1, 3)),
    }
    if rng.random() < 0.25:
        out["resourceNames"] = rng.sample(RANDOM_NAMES, rng.randint(1, 2))
    return out


def random_cluster_roles(
    rng: random.Random, count: int, most_rules: int
) -> tuple[list[str], list[Resource]]:
    """``count`` ClusterRoles with random rules and labels; the first two aggregate others
    (``cr0`` by one label, ``cr1`` by two, so one aggregates the other)."""
    names = [f"cr{i}" for i in range(count)]
    objs = []
    for i, name in enumerate(names):
        agg = None
        if i == 0:
            agg = [{"matchLabels": {"agg": "one"}}]
        elif i == 1:
            agg = [{"matchLabels": {"agg": "two"}}, {"matchLabels": {"agg": "one"}}]
        rules = [random_rule(rng, True) for _ in range(rng.randint(0, most_rules))]
        objs.append(role(name, rules, labels=rng.choice(RANDOM_LABELS), aggregate=agg))
    return names, objs


def cluster_bindable(subjects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The subjects a ClusterRoleBinding can name: a ServiceAccount needs its namespace there."""
    return [s for s in subjects if not (s["kind"] == "ServiceAccount" and "namespace" not in s)]
