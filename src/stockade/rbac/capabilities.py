"""Risky capabilities of a role, each decided by asking the authorizer's matcher a request.

Source: the consolidated risky-permission list (Kubernetes "RBAC good practices", CIS 5.1,
rbac-police, KubiScan), with the points peers get wrong: ``bind`` is checked on
roles/clusterroles (the objects a binding references), ``escalate`` on roles/clusterroles,
``get`` on ``nodes/proxy`` is enough to run commands, and ``get`` on ``pods/exec``/``attach``
works over websockets before Kubernetes 1.35. Every probe is an exact `Request`, so wildcards,
``*/subresource`` and apiGroups are handled by the same code as ``who-can``.
"""

from __future__ import annotations

from dataclasses import dataclass

from stockade.rbac.match import (
    Request,
    api_group_matches,
    resource_matches,
    rules_allow,
    verb_matches,
)
from stockade.rbac.types import PolicyRule, Role

RBAC = "rbac.authorization.k8s.io"
CONTROLLERS: tuple[tuple[str, str], ...] = (
    ("apps", "deployments"),
    ("apps", "daemonsets"),
    ("apps", "statefulsets"),
    ("apps", "replicasets"),
    ("batch", "jobs"),
    ("batch", "cronjobs"),
    ("", "replicationcontrollers"),
)


def _reqs(verbs: tuple[str, ...], targets: tuple[tuple[str, str, str], ...]) -> tuple[Request, ...]:
    return tuple(
        Request(verb=v, resource=r, subresource=s, api_group=g)
        for v in verbs
        for g, r, s in targets
    )


# capability id -> (requests, any of which grants it; one-line risk)
CAPABILITIES: dict[str, tuple[tuple[Request, ...], str]] = {
    "cluster-admin": (
        (Request(verb="*", resource="*", api_group="*"),),
        "full control of every resource, including ones added in the future",
    ),
    "secrets-get": (
        _reqs(("get",), (("", "secrets", ""),)),
        "reads any secret by name",
    ),
    "secrets-list": (
        _reqs(("list", "watch"), (("", "secrets", ""),)),
        "list and watch return every secret's value",
    ),
    "create-pods": (
        _reqs(("create",), (("", "pods", ""),)),
        "a new pod can mount any secret and run as any service account of the namespace",
    ),
    "write-workloads": (
        _reqs(("create", "update", "patch"), tuple((g, r, "") for g, r in CONTROLLERS)),
        "a pod controller's template can mount any secret and use any service account of the namespace",
    ),
    "exec": (
        _reqs(("create", "get"), (("", "pods", "exec"), ("", "pods", "attach"))),
        "a shell in running pods, with their mounted secrets and tokens",
    ),
    "impersonate": (
        _reqs(
            ("impersonate",),
            (
                ("", "users", ""),
                ("", "groups", ""),
                ("", "serviceaccounts", ""),
                ("authentication.k8s.io", "userextras", ""),
                ("authentication.k8s.io", "uids", ""),
            ),
        ),
        "acting as another identity, system:masters included, gives all of its access",
    ),
    "escalate": (
        _reqs(("escalate",), ((RBAC, "roles", ""), (RBAC, "clusterroles", ""))),
        "writing roles with permissions the holder does not have",
    ),
    "bind": (
        _reqs(("bind",), ((RBAC, "roles", ""), (RBAC, "clusterroles", ""))),
        "binding any role, cluster-admin included, to any subject",
    ),
    "write-bindings": (
        _reqs(
            ("create", "update", "patch"),
            ((RBAC, "rolebindings", ""), (RBAC, "clusterrolebindings", "")),
        ),
        "creating bindings (combined with bind: granting any role)",
    ),
    "token-create": (
        _reqs(("create",), (("", "serviceaccounts", "token"),)),
        "minting tokens for any service account, with all of its access",
    ),
    "node-proxy": (
        _reqs(("get", "create"), (("", "nodes", "proxy"),)),
        "the kubelet API runs commands in every pod of a node, bypassing audit and admission",
    ),
    "csr-approve": (
        _reqs(
            ("update", "patch"),
            (("certificates.k8s.io", "certificatesigningrequests", "approval"),),
        ),
        "approving certificate requests issues client certificates for any user or group",
    ),
    "webhook-write": (
        _reqs(
            ("create", "update", "patch", "delete"),
            (
                ("admissionregistration.k8s.io", "validatingwebhookconfigurations", ""),
                ("admissionregistration.k8s.io", "mutatingwebhookconfigurations", ""),
            ),
        ),
        "an admission webhook receives (and can change) every object sent to the cluster",
    ),
}


@dataclass(frozen=True, slots=True)
class RoleCaps:
    """What a role makes possible: capability -> the first rule that grants it, plus names."""

    flags: dict[str, PolicyRule]
    secret_names: frozenset[str]
    """Secrets readable by name only (``resourceNames``)."""
    exec_pods: frozenset[str]
    """Pods one may exec/attach into by name only."""


def role_caps(role: Role) -> RoleCaps:
    """Evaluate every capability probe against the role's rules."""
    flags: dict[str, PolicyRule] = {}
    for cap, (requests, _) in CAPABILITIES.items():
        for req in requests:
            rule = rules_allow(role.rules, req)
            if rule is not None:
                flags[cap] = rule
                break
    secret_names: set[str] = set()
    exec_pods: set[str] = set()
    for rule in role.rules:
        if not rule.resource_names or not api_group_matches(rule, ""):
            continue
        if resource_matches(rule, "secrets", "") and any(
            verb_matches(rule, v) for v in ("get", "list", "watch")
        ):
            secret_names.update(rule.resource_names)
        if any(resource_matches(rule, f"pods/{s}", s) for s in ("exec", "attach")) and any(
            verb_matches(rule, v) for v in ("create", "get")
        ):
            exec_pods.update(rule.resource_names)
    return RoleCaps(flags, frozenset(secret_names), frozenset(exec_pods))


def risk_of(cap: str) -> str:
    """The one-line risk of a capability."""
    return CAPABILITIES[cap][1]
