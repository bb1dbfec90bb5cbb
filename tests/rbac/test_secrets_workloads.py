"""The secrets access matrix and the workload view: every path, and no secret value anywhere."""

from __future__ import annotations

from typing import Any

from stockade.rbac import Identity, build_index
from stockade.rbac.secrets import secret_matrix
from stockade.rbac.workloads import workload_access

from tests.rbac.rbacdata import binding, group, inv, res, role, rule, sa, user

SECRET_VALUE = "c3VwZXItc2VjcmV0LXZhbHVl"


def _secret(name: str, ns: str) -> Any:
    return res(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name, "namespace": ns},
            "data": {"password": SECRET_VALUE},
        }
    )


def _pod(
    name: str, ns: str, secret: str, sa_name: str = "default", automount: bool | None = None
) -> Any:
    spec: dict[str, Any] = {
        "serviceAccountName": sa_name,
        "containers": [
            {
                "name": "c",
                "image": "x",
                "env": [
                    {
                        "name": "P",
                        "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}},
                    }
                ],
            }
        ],
    }
    if automount is not None:
        spec["automountServiceAccountToken"] = automount
    return res(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": name, "namespace": ns},
            "spec": spec,
        }
    )


def _matrix(*objs: Any) -> dict[tuple[str, str], tuple[str, tuple[str, ...]]]:
    inventory = inv(*objs)
    return {
        (c.identity.display(), f"{c.namespace}/{c.secret}"): (c.access, c.how)
        for c in secret_matrix(build_index(inventory), inventory)
    }


def test_direct_access_by_list_get_and_resource_name() -> None:
    m = _matrix(
        _secret("db", "p"),
        _secret("api", "p"),
        _secret("other", "q"),
        role("lister", [rule("list", "secrets")]),
        role("one", [rule("get", "secrets", names="db")], namespace="p"),
        binding("l", "ClusterRole", "lister", [user("alice")], "p"),
        binding("o", "Role", "one", [user("bob")], "p"),
    )
    assert m[("user:alice", "p/db")][0] == "direct"
    assert m[("user:alice", "p/api")][0] == "direct"
    assert ("user:alice", "q/other") not in m  # RoleBinding holds only in p
    assert m[("user:bob", "p/db")][0] == "direct"
    assert ("user:bob", "p/api") not in m


def test_indirect_paths_each_named() -> None:
    objs = [
        _secret("db", "p"),
        _pod("web", "p", "db"),
        _secret("unused", "p"),
        role("creator", [rule("create", "pods")]),
        role("deployer", [rule("patch", "deployments", groups="apps")]),
        role("exec", [rule("create", "pods/exec")]),
        role("imp", [rule("impersonate", "users")]),
        role("esc", [rule("escalate", "roles", groups="rbac.authorization.k8s.io")]),
        role(
            "binder",
            [
                rule("bind", "clusterroles", groups="rbac.authorization.k8s.io"),
                rule("create", "rolebindings", groups="rbac.authorization.k8s.io"),
            ],
        ),
        role("proxy", [rule("get", "nodes/proxy")]),
        role("token", [rule("create", "serviceaccounts/token")]),
        role("reader", [rule("get", "secrets")]),
        binding("1", "ClusterRole", "creator", [user("creator")], "p"),
        binding("2", "ClusterRole", "deployer", [user("deployer")], "p"),
        binding("3", "ClusterRole", "exec", [user("execer")], "p"),
        binding("4", "ClusterRole", "imp", [user("impersonator")]),
        binding("5", "ClusterRole", "esc", [user("escalator")], "p"),
        binding("6", "ClusterRole", "binder", [user("binder")], "p"),
        binding("7", "ClusterRole", "proxy", [user("proxier")]),
        binding("8", "ClusterRole", "token", [user("minter")], "p"),
        binding("9", "ClusterRole", "reader", [sa("reader", "p")], "p"),
    ]
    m = _matrix(*objs)
    expected = {
        "user:creator": "create-pods",
        "user:deployer": "write-workloads",
        "user:execer": "exec into web",
        "user:impersonator": "impersonate",
        "user:escalator": "escalate",
        "user:binder": "bind",
        "user:proxier": "node-proxy",
        "user:minter": "token-create",
    }
    for ident, path in expected.items():
        access, how = m[(ident, "p/db")]
        assert access == "indirect", ident
        assert any(h.startswith(path) for h in how), (ident, how)
    # exec, node-proxy and token paths need a pod that uses the secret / an SA that reads it
    assert ("user:execer", "p/unused") not in m
    assert ("user:proxier", "p/unused") not in m
    assert m[("user:minter", "p/unused")][0] == "indirect"  # the SA reads every secret in p
    assert ("user:creator", "p/unused") in m  # a new pod can mount any secret


def test_masters_and_groups_in_the_matrix() -> None:
    inventory = inv(
        _secret("db", "p"),
        role("reader", [rule("get", "secrets")]),
        binding("g", "ClusterRole", "reader", [group("readers")]),
    )
    root = Identity.user("root", ("system:masters",))
    cells = list(
        secret_matrix(
            build_index(inventory),
            inventory,
            [root, Identity.group("readers"), Identity.user("nobody")],
        )
    )
    assert [(c.identity.display(), c.access) for c in cells] == [
        ("user:root", "direct"),
        ("group:readers", "direct"),
    ]


def test_no_secret_value_in_matrix_or_workloads() -> None:
    inventory = inv(
        _secret("db", "p"),
        _pod("web", "p", "db", "api"),
        role("reader", [rule("get", "secrets")]),
        binding("b", "ClusterRole", "reader", [sa("api", "p")], "p"),
    )
    idx = build_index(inventory)
    dumped = repr([c.to_json() for c in secret_matrix(idx, inventory)])
    dumped += repr([w.to_json() for w in workload_access(idx, inventory)])
    assert "db" in dumped
    assert SECRET_VALUE not in dumped and "super-secret" not in dumped


def test_workload_view_follows_service_account_and_automount() -> None:
    inventory = inv(
        _secret("db", "p"),
        _pod("web", "p", "db", "api"),
        _pod("batch", "p", "db", "api", automount=False),
        _pod("idle", "p", "db"),
        role("reader", [rule("get", "secrets"), rule("create", "pods/exec")]),
        binding("b", "ClusterRole", "reader", [sa("api", "p")], "p"),
    )
    by_name = {w.workload: w for w in workload_access(build_index(inventory), inventory)}
    web = by_name["Pod/web"]
    assert web.service_account == "api" and web.token_mounted
    assert {c.capability for c in web.capabilities} == {"secrets-get", "exec"}
    assert web.capabilities[0].via == "RoleBinding/p/b -> ClusterRole/reader"
    assert web.secrets == ("p/db",)
    assert not by_name["Pod/batch"].token_mounted
    assert by_name["Pod/idle"].capabilities == () and by_name["Pod/idle"].secrets == ()


def test_identity_kinds_in_view() -> None:
    from stockade.rbac.secrets import identities_in_view

    inventory = inv(
        _pod("web", "p", "db", "api"),
        role("r", [rule("get", "pods")]),
        binding("b", "ClusterRole", "r", [group("g"), user("u")]),
    )
    names = [i.display() for i in identities_in_view(build_index(inventory), inventory)]
    assert names == ["group:g", "serviceaccount:p:api", "user:u"]
    assert Identity.service_account("p", "api").display() == "serviceaccount:p:api"
