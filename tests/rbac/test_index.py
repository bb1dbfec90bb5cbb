"""Hand-built scenarios for every semantic point of the permission index."""

from __future__ import annotations

from typing import Any

from stockade.rbac import (
    ALL_NAMESPACES,
    Identity,
    Request,
    SubjectAccess,
    build_index,
    parse_identity,
)
from stockade.rbac.types import Subject

from tests.rbac.rbacdata import binding, group, inv, role, rule, sa, user


def _subjects(answer: list[SubjectAccess]) -> set[str]:
    return {a.subject.display() for a in answer if a.subject.name != "system:masters"}


def test_rolebinding_to_clusterrole_grants_only_in_its_namespace() -> None:
    idx = build_index(
        inv(
            role("secret-reader", [rule("get", "secrets")]),
            binding("read", "ClusterRole", "secret-reader", [sa("api", "payments")], "payments"),
        )
    )
    assert _subjects(idx.who_can("get", "secrets", "payments")) == {"ServiceAccount payments/api"}
    assert _subjects(idx.who_can("get", "secrets", "billing")) == set()
    assert _subjects(idx.who_can("get", "secrets", None)) == set()  # not cluster-wide
    [access] = [a for a in idx.who_can("get", "secrets", "payments") if a.subject.kind != "Group"]
    assert access.via[0].binding == "RoleBinding/payments/read"
    assert access.via[0].role == "ClusterRole/secret-reader"
    assert access.via[0].namespaces == ("payments",)


def test_clusterrolebinding_holds_everywhere() -> None:
    idx = build_index(
        inv(
            role("secret-reader", [rule("list", "secrets")]),
            binding("read", "ClusterRole", "secret-reader", [user("alice")]),
        )
    )
    for ns in ("payments", None, ALL_NAMESPACES):
        assert _subjects(idx.who_can("list", "secrets", ns)) == {"User alice"}
    via = next(a for a in idx.who_can("list", "secrets", "x") if a.subject.name == "alice").via
    assert via[0].namespaces == (ALL_NAMESPACES,)


def test_role_is_only_usable_from_its_own_namespace() -> None:
    idx = build_index(
        inv(
            role("reader", [rule("get", "pods")], namespace="a"),
            binding("ok", "Role", "reader", [user("u1")], "a"),
            # A RoleBinding in "b" that names Role "reader" refers to b/reader, which does not exist.
            binding("elsewhere", "Role", "reader", [user("u2")], "b"),
        )
    )
    assert _subjects(idx.who_can("get", "pods", "a")) == {"User u1"}
    assert _subjects(idx.who_can("get", "pods", "b")) == set()
    assert [b.name for b in idx.unresolved] == ["elsewhere"]


def test_all_namespaces_lists_where_each_grant_holds() -> None:
    idx = build_index(
        inv(
            role("r", [rule("get", "secrets")]),
            binding("b1", "ClusterRole", "r", [user("u")], "n1"),
            binding("b2", "ClusterRole", "r", [user("u")], "n2"),
        )
    )
    [access] = [a for a in idx.who_can("get", "secrets", ALL_NAMESPACES) if a.subject.name == "u"]
    assert sorted(ns for v in access.via for ns in v.namespaces) == ["n1", "n2"]


def test_aggregated_clusterrole_takes_rules_of_selected_roles_transitively() -> None:
    idx = build_index(
        inv(
            role("top", [rule("delete", "nodes")], aggregate=[{"matchLabels": {"agg": "top"}}]),
            role("mid", [], labels={"agg": "top"}, aggregate=[{"matchLabels": {"agg": "mid"}}]),
            role("leaf", [rule("get", "secrets")], labels={"agg": "mid"}),
            role("unlabelled", [rule("create", "pods")]),
            binding("b", "ClusterRole", "top", [user("u")]),
        )
    )
    assert _subjects(idx.who_can("get", "secrets", None)) == {"User u"}
    # the aggregated role's own rules are replaced, as the controller does
    assert _subjects(idx.who_can("delete", "nodes", None)) == set()
    assert _subjects(idx.who_can("create", "pods", "x")) == set()


def test_service_account_is_member_of_its_groups_and_authenticated() -> None:
    idx = build_index(
        inv(
            role("r1", [rule("get", "configmaps")]),
            role("r2", [rule("list", "configmaps")]),
            role("r3", [rule("watch", "configmaps")]),
            binding("all-sa", "ClusterRole", "r1", [group("system:serviceaccounts")]),
            binding("ns-sa", "ClusterRole", "r2", [group("system:serviceaccounts:payments")]),
            binding("authn", "ClusterRole", "r3", [group("system:authenticated")]),
        )
    )
    api = Identity.service_account("payments", "api")
    other = Identity.service_account("billing", "api")
    for verb in ("get", "list", "watch"):
        req = Request(verb, "configmaps", namespace="payments")
        assert idx.allows(api, req) is not None
    assert idx.allows(other, Request("list", "configmaps", namespace="payments")) is None
    assert idx.allows(other, Request("get", "configmaps", namespace="payments")) is not None
    alice = Identity.user("alice")
    assert idx.allows(alice, Request("watch", "configmaps")) is not None
    assert idx.allows(alice, Request("get", "configmaps")) is None
    anon = Identity.user("system:anonymous")
    assert idx.allows(anon, Request("watch", "configmaps")) is None  # not authenticated
    # who-can lists groups as groups, not their members
    assert _subjects(idx.who_can("get", "configmaps", "payments")) == {
        "Group system:serviceaccounts"
    }


def test_system_masters_is_all_powerful_without_any_binding() -> None:
    idx = build_index(inv())
    admin = Identity.user("root", ("system:masters",))
    assert idx.allows(admin, Request("delete", "nodes")) is not None
    assert idx.allows(Identity.user("root"), Request("delete", "nodes")) is None
    answer = idx.who_can("escalate", "clusterroles", None)
    assert [a.subject for a in answer] == [Subject("Group", "system:masters")]


def test_service_account_subject_defaults_to_the_rolebinding_namespace() -> None:
    idx = build_index(
        inv(
            role("r", [rule("get", "pods")]),
            binding("b", "ClusterRole", "r", [sa("api")], "payments"),
            binding("crb", "ClusterRole", "r", [sa("nobody")]),
        )
    )
    assert _subjects(idx.who_can("get", "pods", "payments")) == {"ServiceAccount payments/api"}
    assert any("without a namespace" in e.message for e in idx.errors)


def test_user_subject_named_like_a_service_account_matches_it() -> None:
    idx = build_index(
        inv(
            role("r", [rule("get", "pods")]),
            binding("b", "ClusterRole", "r", [user("system:serviceaccount:payments:api")]),
        )
    )
    assert idx.allows(Identity.service_account("payments", "api"), Request("get", "pods"))


def test_cluster_scoped_resource_ignores_namespace_and_rolebindings() -> None:
    idx = build_index(
        inv(
            role("proxy", [rule("get", "nodes/proxy")]),
            binding("ns-only", "ClusterRole", "proxy", [user("ns-user")], "payments"),
            binding("cluster", "ClusterRole", "proxy", [user("cluster-user")]),
        )
    )
    answer = idx.who_can("get", "nodes", "payments", subresource="proxy")
    assert _subjects(answer) == {"User cluster-user"}


def test_resource_names_restrict_who_can_by_name() -> None:
    idx = build_index(
        inv(
            role("one", [rule("get", "secrets", names="db-password")], namespace="payments"),
            binding("b", "Role", "one", [user("u")], "payments"),
        )
    )
    assert _subjects(idx.who_can("get", "secrets", "payments", name="db-password")) == {"User u"}
    assert _subjects(idx.who_can("get", "secrets", "payments", name="other")) == set()
    assert _subjects(idx.who_can("get", "secrets", "payments")) == set()


def test_group_is_inferred_for_builtin_resources() -> None:
    idx = build_index(
        inv(
            role("d", [rule("create", "deployments", groups="apps")]),
            role("wrong", [rule("create", "deployments", groups="core")]),
            binding("b1", "ClusterRole", "d", [user("right")]),
            binding("b2", "ClusterRole", "wrong", [user("wrong")]),
        )
    )
    assert _subjects(idx.who_can("create", "deployments", "x")) == {"User right"}


def test_non_resource_urls_are_answered() -> None:
    idx = build_index(
        inv(
            role("health", [{"verbs": ["get"], "nonResourceURLs": ["/healthz/*"]}]),
            binding("b", "ClusterRole", "health", [group("monitoring")]),
        )
    )
    answer = idx.who_can_request(Request("get", path="/healthz/etcd"))
    assert _subjects(answer) == {"Group monitoring"}
    assert _subjects(idx.who_can_request(Request("get", path="/metrics"))) == set()


def test_malformed_objects_become_errors_and_the_rest_still_counts() -> None:
    # Raw manifest items, malformed on purpose: a string where an object belongs.
    bad_rules: list[Any] = [
        "not a rule",
        {"verbs": "get", "resources": ["pods"], "apiGroups": [""]},
        {"resources": ["pods"], "apiGroups": [""]},
        {"verbs": ["get"], "resources": ["pods"]},
        rule("get", "secrets"),
    ]
    bad_subjects: list[Any] = [user("u"), {"kind": "Robot", "name": "r2"}, "junk"]
    idx = build_index(
        inv(
            role("bad", bad_rules),
            role("ns-url", [{"verbs": ["get"], "nonResourceURLs": ["/x"]}], namespace="a"),
            binding("b", "ClusterRole", "bad", bad_subjects),
            binding("crb-to-role", "Role", "ns-url", [user("w")]),
        )
    )
    messages = [e.message for e in idx.errors]
    assert len([m for m in messages if "ClusterRole/bad: rules[" in m]) == 4
    assert any("nonResourceURLs are not allowed in a Role" in m for m in messages)
    assert any("unknown kind 'Robot'" in m for m in messages)
    assert any("subjects[2]" in m for m in messages)
    assert any("crb-to-role" in m and "roleRef" in m for m in messages)
    assert all(e.file == "test.yaml" and e.line == 1 for e in idx.errors)
    # the valid rule and subject still work
    assert _subjects(idx.who_can("get", "secrets", None)) == {"User u"}
    assert _subjects(idx.who_can("get", "pods", None)) == set()


def test_can_lists_grants_of_user_and_groups() -> None:
    idx = build_index(
        inv(
            role("r", [rule("get", "pods")]),
            binding("own", "ClusterRole", "r", [sa("api", "payments")], "payments"),
            binding("grp", "ClusterRole", "r", [group("system:serviceaccounts:payments")]),
            binding("other", "ClusterRole", "r", [user("bob")]),
        )
    )
    grants = idx.can(parse_identity("serviceaccount:payments:api"))
    assert sorted(g.binding.name for g in grants) == ["grp", "own"]


def test_parse_identity_forms() -> None:
    assert parse_identity("system:serviceaccount:a:b") == Identity.service_account("a", "b")
    assert parse_identity("sa:a:b") == Identity.service_account("a", "b")
    assert parse_identity("group:ops").groups == ("ops",)
    assert parse_identity("alice").username == "alice"
    for bad in ("serviceaccount:only", ""):
        try:
            parse_identity(bad)
        except ValueError as exc:
            assert "serviceaccount:" in str(exc) or "identity" in str(exc)
        else:
            raise AssertionError(bad)
