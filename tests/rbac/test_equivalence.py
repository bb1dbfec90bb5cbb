"""Equivalence: on generated inventories, ``who_can`` and ``allows`` agree with a brute-force
authorizer written independently here (every binding, every subject, every rule, no index)."""

from __future__ import annotations

import random
from typing import Any

import pytest

from stockade.rbac import ALL_NAMESPACES, Identity, Request, build_index

from tests.rbac.rbacdata import (
    RANDOM_NAMESPACES as NAMESPACES,
)
from tests.rbac.rbacdata import (
    RANDOM_SUBJECTS as SUBJECTS,
)
from tests.rbac.rbacdata import (
    binding,
    cluster_bindable,
    inv,
    random_cluster_roles,
    random_rule,
    role,
)


def _generate(seed: int) -> list[Any]:
    rng = random.Random(seed)
    cluster_roles, objs = random_cluster_roles(rng, 6, 3)
    for ns in NAMESPACES:
        objs.append(role("r", [random_rule(rng, False) for _ in range(2)], namespace=ns))
    for i in range(10):
        subjects = rng.sample(SUBJECTS, rng.randint(1, 3))
        if rng.random() < 0.3:
            subjects = cluster_bindable(subjects)
            objs.append(binding(f"crb{i}", "ClusterRole", rng.choice(cluster_roles), subjects))
        else:
            ns = rng.choice(NAMESPACES)
            kind, name = rng.choice([("ClusterRole", rng.choice(cluster_roles)), ("Role", "r")])
            objs.append(binding(f"rb{i}", kind, name, subjects, ns))
    return objs


# ---- the independent authorizer ------------------------------------------------------------


def _effective_cluster_rules(objs: list[Any]) -> dict[str, list[dict[str, Any]]]:
    crs = {o.name: o.obj for o in objs if o.kind == "ClusterRole"}
    rules = {n: list(o.get("rules") or []) for n, o in crs.items()}
    aggregated = {
        n: o["aggregationRule"]["clusterRoleSelectors"]
        for n, o in crs.items()
        if "aggregationRule" in o
    }
    for n in aggregated:
        rules[n] = []
    for _ in range(len(crs) + 1):
        for n, selectors in aggregated.items():
            new: list[dict[str, Any]] = []
            for m, o in crs.items():
                labels = o["metadata"].get("labels") or {}
                if m != n and any(
                    all(labels.get(k) == v for k, v in s["matchLabels"].items()) for s in selectors
                ):
                    new.extend(r for r in rules[m] if r not in new)
            rules[n] = new
    return rules


def _rule_ok(r: dict[str, Any], req: Request) -> bool:
    verbs = r.get("verbs", [])
    if "*" not in verbs and req.verb not in verbs:
        return False
    if req.path:
        for u in r.get("nonResourceURLs", []):
            if u == "*" or u == req.path or (u[-1] == "*" and req.path.startswith(u[:-1])):
                return True
        return False
    groups = r.get("apiGroups", [])
    if "*" not in groups and req.api_group not in groups:
        return False
    wanted = req.resource + ("/" + req.subresource if req.subresource else "")
    res_ok = False
    for res in r.get("resources", []):
        if res in ("*", wanted) or (req.subresource and res == "*/" + req.subresource):
            res_ok = True
    names = r.get("resourceNames", [])
    return res_ok and (not names or req.name in names)


def _applies(subject: dict[str, Any], username: str, groups: list[str], ns: str | None) -> bool:
    if subject["kind"] == "User":
        return bool(username) and subject["name"] == username
    if subject["kind"] == "Group":
        return subject["name"] in groups
    sa_ns = subject.get("namespace") or ns
    return bool(sa_ns) and username == f"system:serviceaccount:{sa_ns}:{subject['name']}"


_CACHE: list[tuple[list[Any], dict[str, list[dict[str, Any]]]]] = []


def brute_allows(
    objs: list[Any], username: str, groups: list[str], req: Request, namespace: str | None
) -> bool:
    """The RBAC authorizer, evaluated binding by binding."""
    # Aggregation is computed once per generated inventory (the cache holds the list itself,
    # so a new list is never mistaken for an old one).
    if not _CACHE or _CACHE[0][0] is not objs:
        _CACHE[:] = [(objs, _effective_cluster_rules(objs))]
    cluster_rules = _CACHE[0][1]
    ns_rules = {(o.namespace, o.name): o.obj.get("rules") or [] for o in objs if o.kind == "Role"}
    for o in objs:
        if o.kind == "ClusterRoleBinding":
            scope_ok, bns = True, None
        elif o.kind == "RoleBinding":
            scope_ok = namespace == ALL_NAMESPACES or o.namespace == namespace
            bns = o.namespace
        else:
            continue
        if not scope_ok:
            continue
        ref = o.obj["roleRef"]
        rules = (
            cluster_rules.get(ref["name"])
            if ref["kind"] == "ClusterRole"
            else ns_rules.get((bns, ref["name"]))
        )
        if rules is None:
            continue
        if not any(_applies(s, username, groups, bns) for s in o.obj["subjects"]):
            continue
        if any(_rule_ok(r, req) for r in rules):
            return True
    return False


def _literal(subject: dict[str, Any], bns: str | None) -> tuple[str, list[str]]:
    if subject["kind"] == "User":
        return subject["name"], []
    if subject["kind"] == "Group":
        return "", [subject["name"]]
    return f"system:serviceaccount:{subject.get('namespace') or bns}:{subject['name']}", []


def _random_request(rng: random.Random) -> tuple[Request, str | None]:
    if rng.random() < 0.1:
        return Request(
            rng.choice(["get", "post"]),
            path=rng.choice(["/healthz", "/healthz/etcd", "/metrics", "/other"]),
        ), None
    resource, _, sub = rng.choice(
        [
            "pods",
            "pods/exec",
            "secrets",
            "deployments",
            "deployments/scale",
            "nodes/proxy",
            "pods/*",
            "services",
        ]
    ).partition("/")
    ns = rng.choice([*NAMESPACES, None, ALL_NAMESPACES])
    req = Request(
        rng.choice(["get", "list", "create", "escalate", "delete"]),
        resource,
        sub,
        rng.choice(["", "apps"]),
        rng.choice(["", "x", "y"]),
        None if ns == ALL_NAMESPACES else ns,
    )
    return req, ns


@pytest.mark.parametrize("seed", range(25))
def test_who_can_equals_brute_force(seed: int) -> None:
    objs = _generate(seed)
    idx = build_index(inv(*objs))
    subjects: dict[tuple[str, str, str | None], tuple[str, list[str]]] = {}
    for o in objs:
        if o.kind in ("RoleBinding", "ClusterRoleBinding"):
            bns = o.namespace if o.kind == "RoleBinding" else None
            for s in o.obj["subjects"]:
                if s["kind"] == "ServiceAccount" and not (s.get("namespace") or bns):
                    continue
                username, groups = _literal(s, bns)
                key: tuple[str, str, str | None]
                if username.startswith("system:serviceaccount:"):
                    _, _, sa_ns, sa_name = username.split(":")
                    key = ("ServiceAccount", sa_name, sa_ns)
                else:
                    key = (s["kind"], s["name"], None)
                subjects[key] = (username, groups)
    rng = random.Random(seed * 7919)
    for _ in range(60):
        req, ns = _random_request(rng)
        if req.path:
            answer = idx.who_can_request(req)
        else:
            # ask with the namespace as given; the index must not drop it for these resources
            answer = idx.who_can_request(
                Request(req.verb, req.resource, req.subresource, req.api_group, req.name, ns)
            )
        got = {(a.subject.kind, a.subject.name, a.subject.namespace) for a in answer}
        got.discard(("Group", "system:masters", None))
        expected = {k for k, (u, g) in subjects.items() if brute_allows(objs, u, g, req, ns)}
        assert got == expected, (seed, req, ns)


@pytest.mark.parametrize("seed", range(25))
def test_allows_equals_brute_force_for_full_identities(seed: int) -> None:
    objs = _generate(seed)
    idx = build_index(inv(*objs))
    identities = [
        Identity.service_account("a", "s0"),
        Identity.service_account("b", "s1"),
        Identity.service_account("c", "s2"),
        Identity.user("u0", ("g0",)),
        Identity.user("u1"),
        Identity.user("system:anonymous"),
        Identity.group("g0"),
    ]
    rng = random.Random(seed * 104729)
    for _ in range(40):
        req, ns = _random_request(rng)
        if ns == ALL_NAMESPACES:
            continue
        for ident in identities:
            expected = brute_allows(objs, ident.username, list(ident.groups), req, req.namespace)
            assert (idx.allows(ident, req) is not None) == expected, (seed, ident, req)
