"""The indexed who-can (rules filed by resource, grants fanned out per role, answers cached)
gives exactly the answer of a naive evaluation written here: every binding, in order, its role's
rules read one by one, chains collected per subject and sorted. Whole answers are compared:
subjects, their order, every chain with its namespaces and the very rule that allowed it."""

from __future__ import annotations

import random
from typing import Any

import pytest

from stockade.rbac import ALL_NAMESPACES, PermissionIndex, PolicyRule, Request, build_index
from stockade.rbac.types import Subject

from tests.rbac.rbacdata import (
    RANDOM_GROUPS as GROUPS,
)
from tests.rbac.rbacdata import (
    RANDOM_NAMESPACES as NAMESPACES,
)
from tests.rbac.rbacdata import (
    RANDOM_SUBJECTS,
    binding,
    cluster_bindable,
    group,
    inv,
    random_cluster_roles,
    random_rule,
    role,
    sa,
    user,
)
from tests.rbac.rbacdata import (
    RANDOM_URLS as URLS,
)
from tests.rbac.rbacdata import (
    RANDOM_VERBS as VERBS,
)

# system:masters is answered by the index as the API server answers it: always allowed.
SUBJECTS = [*RANDOM_SUBJECTS, group("system:masters")]


def _generate(seed: int) -> list[Any]:
    rng = random.Random(seed)
    cluster_roles, objs = random_cluster_roles(rng, 8, 4)
    for ns in NAMESPACES:
        for j in range(2):
            rules = [random_rule(rng, False) for _ in range(rng.randint(1, 3))]
            objs.append(role(f"r{j}", rules, namespace=ns))
    for i in range(rng.randint(5, 30)):
        subjects = [rng.choice(SUBJECTS) for _ in range(rng.randint(1, 4))]  # repeats too
        if rng.random() < 0.25:
            subjects = cluster_bindable(subjects) or [user("u0")]
            ref = rng.choice([*cluster_roles, "missing"])
            obj = binding(f"crb{i}", "ClusterRole", ref, subjects)
        else:
            ns = rng.choice(NAMESPACES)
            kind, name = rng.choice(
                [
                    ("ClusterRole", rng.choice(cluster_roles)),
                    ("Role", rng.choice(["r0", "r1", "missing"])),
                ]
            )
            obj = binding(f"rb{i}", kind, name, subjects, ns)
        objs.append(obj)
        if rng.random() < 0.1:
            objs.append(obj)  # the same object given twice
    rng.shuffle(objs)
    return objs


# ---- the naive evaluation ------------------------------------------------------------------


def _naive_rule_allows(rule: PolicyRule, req: Request) -> bool:
    if "*" not in rule.verbs and req.verb not in rule.verbs:
        return False
    if req.path:
        return any(
            u == "*" or u == req.path or (u.endswith("*") and req.path.startswith(u[:-1]))
            for u in rule.non_resource_urls
        )
    if rule.non_resource_urls:
        return False
    if "*" not in rule.api_groups and req.api_group not in rule.api_groups:
        return False
    wanted = f"{req.resource}/{req.subresource}" if req.subresource else req.resource
    if not any(
        r == "*" or r == wanted or (req.subresource != "" and r == f"*/{req.subresource}")
        for r in rule.resources
    ):
        return False
    return not rule.resource_names or req.name in rule.resource_names


Chain = tuple[str, str, tuple[str, ...], int]


def naive_who_can(idx: PermissionIndex, req: Request) -> list[tuple[Subject, list[Chain]]]:
    """Subjects in the documented order, each with its (binding, role, namespaces, id(rule))."""
    found: dict[Subject, dict[tuple[str, str], Chain]] = {
        Subject("Group", "system:masters"): {
            ("(built-in)", "(system:masters bypasses authorization)"): (
                "(built-in)",
                "(system:masters bypasses authorization)",
                ("*",),
                id(None),
            )
        }
    }
    for b in idx.bindings:
        target = idx.roles.get(b.role_ref)
        if target is None:
            continue
        scope = b.namespace if b.kind == "RoleBinding" else None
        if not (req.namespace == ALL_NAMESPACES or scope is None or scope == req.namespace):
            continue
        rule = next((r for r in target.rules if _naive_rule_allows(r, req)), None)
        if rule is None:
            continue
        label = f"{b.kind}/{b.namespace}/{b.name}" if b.namespace else f"{b.kind}/{b.name}"
        kind, ns, name = target.key
        role_label = f"{kind}/{ns}/{name}" if ns else f"{kind}/{name}"
        where = ("*",) if scope is None else (scope,)
        for s in b.subjects:
            found.setdefault(s, {}).setdefault(
                (label, role_label), (label, role_label, where, id(rule))
            )
    kinds = {"Group": 0, "User": 1, "ServiceAccount": 2}
    ordered = sorted(found, key=lambda s: (kinds[s.kind], s.namespace or "", s.name))
    return [(s, [found[s][k] for k in sorted(found[s])]) for s in ordered]


def _fast(idx: PermissionIndex, req: Request) -> list[tuple[Subject, list[Chain]]]:
    return [
        (a.subject, [(v.binding, v.role, v.namespaces, id(v.rule)) for v in a.via])
        for a in idx.who_can_request(req)
    ]


def _random_request(rng: random.Random) -> Request:
    ns = rng.choice([*NAMESPACES, "elsewhere", None, ALL_NAMESPACES])
    if rng.random() < 0.1:
        return Request(rng.choice(["get", "post", "*"]), path=rng.choice([*URLS[:3], "/other"]))
    resource, _, sub = rng.choice(
        ["pods", "pods/exec", "pods/*", "secrets", "deployments/scale", "widgets", "nodes/proxy"]
    ).partition("/")
    return Request(
        rng.choice([*VERBS, "watch"]),
        resource,
        sub,
        rng.choice(GROUPS[:3]),
        rng.choice(["", "x", "y"]),
        ns,
    )


@pytest.mark.parametrize("seed", range(40))
def test_who_can_equals_naive_evaluation(seed: int) -> None:
    objs = _generate(seed)
    idx = build_index(inv(*objs))
    rng = random.Random(seed * 31337)
    asked = [_random_request(rng) for _ in range(60)]
    for req in asked:
        assert _fast(idx, req) == naive_who_can(idx, req), (seed, req)
    # Asked again (answers and rule matches are cached), in another order, after the caller
    # changed an earlier answer list: still the same.
    idx.who_can_request(asked[0]).clear()
    rng.shuffle(asked)
    for req in asked:
        assert _fast(idx, req) == naive_who_can(idx, req), (seed, req)


def test_many_bindings_of_one_cluster_role_across_namespaces() -> None:
    """One ClusterRole bound in every namespace and cluster-wide, plus one bound in a single
    namespace only: each question sees exactly the bindings that hold where it is asked."""
    objs: list[Any] = [
        role("reader", [{"verbs": ["get"], "apiGroups": [""], "resources": ["secrets"]}]),
        role("local", [{"verbs": ["get"], "apiGroups": ["*"], "resources": ["*"]}]),
        binding("crb", "ClusterRole", "reader", [group("g0"), user("u0")]),
        binding("only-here", "ClusterRole", "local", [sa("s9")], "b"),
    ]
    for i in range(60):
        ns = f"ns{i % 7}"
        objs.append(binding(f"rb{i}", "ClusterRole", "reader", [sa(f"s{i % 5}"), user("u0")], ns))
    idx = build_index(inv(*objs))
    for where in [None, ALL_NAMESPACES, "ns3", "b", "nowhere"]:
        for verb, resource in [("get", "secrets"), ("get", "pods"), ("list", "secrets")]:
            req = Request(verb, resource, namespace=where)
            assert _fast(idx, req) == naive_who_can(idx, req), req
    local = [a.subject.name for a in idx.who_can_request(Request("get", "pods", namespace="b"))]
    assert "s9" in local
    elsewhere = idx.who_can_request(Request("get", "pods", namespace="ns3"))
    assert "s9" not in [a.subject.name for a in elsewhere]


@pytest.mark.parametrize("seed", range(5))
def test_who_can_tables_are_built_only_for_who_can(seed: int) -> None:
    """``can``, ``allows`` and the secrets matrix never pay for the who-can tables; the first
    ``who_can`` builds them, and answers are the same as with tables built up front."""
    from stockade.rbac import Identity
    from stockade.rbac.secrets import identities_in_view, secret_matrix

    objs = _generate(seed)
    inventory = inv(*objs)
    lazy = build_index(inventory)
    for identity in identities_in_view(lazy, inventory):
        lazy.can(identity)
        lazy.allows(identity, Request("get", "secrets", namespace="a"))
    list(secret_matrix(lazy, inventory))
    lazy.allows(Identity("u0", ()), Request("get", "pods", namespace="b"))
    assert "_who_can_tables" not in vars(lazy)

    eager = build_index(inventory)
    eager.prepare_who_can()
    assert "_who_can_tables" in vars(eager)
    rng = random.Random(seed)
    for _ in range(30):
        req = _random_request(rng)
        assert _fast(lazy, req) == naive_who_can(lazy, req), req
        answers = [[a.to_json() for a in idx.who_can_request(req)] for idx in (lazy, eager)]
        assert answers[0] == answers[1], req
    assert "_who_can_tables" in vars(lazy)
