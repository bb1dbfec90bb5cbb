"""audit-cluster-admin-binding and audit-wildcard-role, from RBAC API shapes."""

from __future__ import annotations

from typing import Any

from stockade.model import Severity

from tests.detect.auditevents import event, rules_of, run

RBAC = "rbac.authorization.k8s.io"


def binding(kind: str, role_kind: str, role: str, ns: str | None = None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "b1"}
    if ns:
        meta["namespace"] = ns
    return {
        "apiVersion": f"{RBAC}/v1",
        "kind": kind,
        "metadata": meta,
        "roleRef": {"apiGroup": RBAC, "kind": role_kind, "name": role},
        "subjects": [{"kind": "ServiceAccount", "name": "ci", "namespace": "build"}],
    }


def role(kind: str, rules: list[dict[str, Any]], name: str = "r1") -> dict[str, Any]:
    return {"apiVersion": f"{RBAC}/v1", "kind": kind, "metadata": {"name": name}, "rules": rules}


def test_clusterrolebinding_to_cluster_admin_is_critical() -> None:
    alerts, _ = run(
        event(
            "create",
            "clusterrolebindings",
            group=RBAC,
            name="b1",
            request=binding("ClusterRoleBinding", "ClusterRole", "cluster-admin"),
        )
    )
    assert rules_of(alerts) == ["audit-cluster-admin-binding"]
    assert alerts[0].severity is Severity.CRITICAL
    assert "ServiceAccount build/ci" in alerts[0].message


def test_rolebinding_to_admin_clusterrole_alerts() -> None:
    alerts, _ = run(
        event(
            "create",
            "rolebindings",
            group=RBAC,
            namespace="team",
            name="b1",
            request=binding("RoleBinding", "ClusterRole", "admin", "team"),
        )
    )
    assert rules_of(alerts) == ["audit-cluster-admin-binding"]
    assert alerts[0].severity is Severity.HIGH
    assert "in namespace team" in alerts[0].message


def test_binding_to_a_role_seen_with_wildcards_alerts() -> None:
    wild = role(
        "ClusterRole", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}], name="everything"
    )
    alerts, _ = run(
        event("create", "clusterroles", group=RBAC, name="everything", request=wild),
        event(
            "create",
            "clusterrolebindings",
            group=RBAC,
            name="b1",
            request=binding("ClusterRoleBinding", "ClusterRole", "everything"),
        ),
    )
    assert rules_of(alerts) == ["audit-wildcard-role", "audit-cluster-admin-binding"]


def test_patch_of_subjects_uses_the_response_object() -> None:
    patch = {"subjects": [{"kind": "User", "name": "mallory"}]}
    stored = binding("ClusterRoleBinding", "ClusterRole", "cluster-admin")
    alerts, _ = run(
        event(
            "patch",
            "clusterrolebindings",
            group=RBAC,
            name="cluster-admin",
            request=patch,
            response=stored,
        )
    )
    assert rules_of(alerts) == ["audit-cluster-admin-binding"]


def test_patch_without_response_of_a_known_binding_uses_remembered_role_ref() -> None:
    alerts, _ = run(
        event(
            "create",
            "clusterrolebindings",
            group=RBAC,
            name="b1",
            user="system:apiserver",
            request=binding("ClusterRoleBinding", "ClusterRole", "cluster-admin"),
        ),
        event(
            "patch",
            "clusterrolebindings",
            group=RBAC,
            name="b1",
            level="Request",
            request={"subjects": [{"kind": "User", "name": "mallory"}]},
        ),
    )
    assert rules_of(alerts) == ["audit-cluster-admin-binding"]
    assert "User mallory" in alerts[0].message


def test_metadata_level_binding_is_not_evaluated() -> None:
    alerts, det = run(event("create", "clusterrolebindings", group=RBAC, name="b1"))
    assert alerts == []
    entries = [e for e in det.not_evaluated() if e["rules"] == ["audit-cluster-admin-binding"]]
    assert entries and entries[0]["events"] == 1 and "Metadata" in entries[0]["reason"]


def test_binding_negatives() -> None:
    ok = binding("ClusterRoleBinding", "ClusterRole", "system:basic-user")
    admin = binding("ClusterRoleBinding", "ClusterRole", "cluster-admin")
    alerts, _ = run(
        event("create", "clusterrolebindings", group=RBAC, name="b1", request=ok),
        event(
            "create",
            "clusterrolebindings",
            group=RBAC,
            name="b2",
            request=admin,
            uri=f"/apis/{RBAC}/v1/clusterrolebindings?dryRun=All",
        ),
        event("create", "clusterrolebindings", group=RBAC, name="b3", request=admin, code=403),
        event(
            "create",
            "clusterrolebindings",
            group=RBAC,
            name="b4",
            request=admin,
            user="system:apiserver",
        ),
        event("delete", "clusterrolebindings", group=RBAC, name="b5", request=admin),
    )
    assert alerts == []


def test_wildcard_role_variants() -> None:
    cases = {
        "verbs": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["*"]}],
        "resources": [{"apiGroups": [""], "resources": ["*"], "verbs": ["get"]}],
        "subresources": [{"apiGroups": [""], "resources": ["pods/*"], "verbs": ["get"]}],
        "groups": [{"apiGroups": ["*"], "resources": ["pods"], "verbs": ["get"]}],
    }
    for what, rules in cases.items():
        alerts, _ = run(
            event(
                "create",
                "roles",
                group=RBAC,
                namespace="dev",
                name="r1",
                request=role("Role", rules),
            )
        )
        assert rules_of(alerts) == ["audit-wildcard-role"], what
        assert "Role dev/r1" in alerts[0].message


def test_wildcard_role_json_patch_adding_a_star() -> None:
    patch = [{"op": "add", "path": "/rules/0/verbs/-", "value": "*"}]
    alerts, _ = run(
        event("patch", "clusterroles", group=RBAC, name="r1", level="Request", request=patch)
    )
    assert rules_of(alerts) == ["audit-wildcard-role"]


def test_wildcard_role_negatives() -> None:
    narrow = role("ClusterRole", [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]}])
    wild = role("ClusterRole", [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}])
    alerts, det = run(
        event("create", "clusterroles", group=RBAC, name="r1", request=narrow),
        event(
            "update",
            "clusterroles",
            group=RBAC,
            name="cluster-admin",
            request=wild,
            user="system:apiserver",
        ),
        event(
            "patch",
            "clusterroles",
            group=RBAC,
            name="r2",
            level="Request",
            request={"metadata": {"labels": {"team": "a"}}},
        ),
        event("create", "clusterroles", group=RBAC, name="r3", request=wild, code=409),
    )
    assert alerts == []
    assert det.not_evaluated() == []
