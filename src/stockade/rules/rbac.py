"""RBAC rules: risky permissions, with the subject, binding and role that grant them.

Spec: the Kubernetes RBAC authorizer (``plugin/pkg/auth/authorizer/rbac``) and the "RBAC good
practices" privilege-escalation list, CIS 5.1. Every capability is decided by the permission
index's exact matching (`stockade.rbac.capabilities`): wildcards, ``*/subresource`` and
apiGroups count; ``bind`` is checked on roles/clusterroles (what a binding references),
``escalate`` on roles/clusterroles; ``get`` on ``nodes/proxy`` is enough to run commands. A
grant of a cluster-scoped resource (nodes, CSRs, webhook configurations) only counts from a
ClusterRoleBinding, as the authorizer ignores RoleBindings for cluster-scoped requests. The
index is built once per scan (``ctx.memo``).
"""

from __future__ import annotations

from collections.abc import Iterator

from stockade.inventory import Inventory
from stockade.model import Category, FieldPath, Severity, Violation
from stockade.rbac.access import CapsCache
from stockade.rbac.capabilities import risk_of
from stockade.rbac.index import Grant, PermissionIndex, build_index
from stockade.rbac.parse import BINDING_KINDS, ROLE_KINDS
from stockade.rbac.types import ANONYMOUS, AUTHENTICATED, UNAUTHENTICATED, Binding, Subject
from stockade.rules.registry import RuleContext, Target, rule

RBAC_KINDS = frozenset({*ROLE_KINDS, *BINDING_KINDS})
"""The index reads roles and bindings only (`parse_rbac`): without them no rule here fires."""
DISCOVERY_ROLES = frozenset({"system:discovery", "system:basic-user", "system:public-info-viewer"})
SELF_REVIEWS = frozenset(
    {"selfsubjectaccessreviews", "selfsubjectrulesreviews", "selfsubjectreviews"}
)


def _index(inv: Inventory, ctx: RuleContext) -> PermissionIndex:
    return ctx.memo("rbac-index", lambda: build_index(inv))


def _caps(inv: Inventory, ctx: RuleContext) -> CapsCache:
    idx = _index(inv, ctx)
    return ctx.memo("rbac-caps", lambda: CapsCache(idx))


def _subjects(subjects: tuple[Subject, ...] | list[Subject]) -> str:
    names = [s.display() for s in subjects]
    if len(names) > 3:
        return f"{', '.join(names[:3])} and {len(names) - 3} more"
    return ", ".join(names) or "no subject"


def _where(grant: Grant) -> str:
    return "cluster-wide" if grant.scope is None else f"in namespace {grant.scope}"


def _grant_rule(
    inv: Inventory,
    ctx: RuleContext,
    caps_wanted: tuple[str, ...],
    what: str,
    cluster_only: bool = False,
) -> Iterator[Violation]:
    """One violation per binding whose role grants one of ``caps_wanted``."""
    cache = _caps(inv, ctx)
    for grant in _index(inv, ctx).grants:
        if not grant.binding.subjects or grant.binding.resource is None:
            continue
        if cluster_only and grant.scope is not None:
            continue
        flags = cache.caps(grant).flags
        hit = next((c for c in caps_wanted if c in flags), None)
        if hit is None:
            continue
        yield _violation(grant, f"can {what} {_where(grant)}", flags[hit].describe(), risk_of(hit))


def _violation(grant: Grant, action: str, rule_text: str, risk: str) -> Violation:
    b = grant.binding
    return Violation(
        f"{_subjects(b.subjects)} {action} via {b.display()} -> {grant.role.display()} "
        f"(rule: {rule_text}): {risk}",
        path=("roleRef", "name"),
        key=f"{b.display()}|{grant.role.display()}",
        resource=b.resource,
    )


def _subject_path(b: Binding, subject: Subject) -> FieldPath:
    raw = b.resource.obj.get("subjects") if b.resource is not None else None
    for i, s in enumerate(raw if isinstance(raw, list) else []):
        if (
            isinstance(s, dict)
            and s.get("name") == subject.name
            and s.get("kind")
            in (
                subject.kind,
                "User",
            )
        ):
            return ("subjects", i, "name")
    return ("subjects",)


_RBAC_REMEDIATION = """Grant the narrowest role that works: name the verbs, resources and
    resourceNames the workload needs, prefer a RoleBinding in one namespace to a
    ClusterRoleBinding, and review who is bound."""


@rule(
    id="rbac-cluster-admin-binding",
    title="cluster-admin (or an equivalent */*/* role) bound outside system:",
    severity=Severity.CRITICAL,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""Bind cluster-admin only to break-glass identities. Give people and
    workloads a role with the permissions they need, in their namespace; for administrators
    prefer impersonation from a low-privilege account.""",
)
def rbac_cluster_admin_binding(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """A binding to cluster-admin, or to a role with * verbs on * resources in * groups,
    naming a User or Group outside ``system:`` or any ServiceAccount."""
    cache = _caps(inv, ctx)
    for grant in _index(inv, ctx).grants:
        b = grant.binding
        if b.resource is None:
            continue
        flags = cache.caps(grant).flags
        admin = grant.role.key == ("ClusterRole", None, "cluster-admin") or "cluster-admin" in flags
        outside = [
            s for s in b.subjects if s.kind == "ServiceAccount" or not s.name.startswith("system:")
        ]
        if admin and outside:
            yield Violation(
                f"{_subjects(outside)} {'holds' if len(outside) == 1 else 'hold'} full control "
                f"{_where(grant)} via {b.display()} -> {grant.role.display()}: "
                f"{risk_of('cluster-admin')}",
                path=("roleRef", "name"),
                key=b.display(),
                resource=b.resource,
            )


@rule(
    id="rbac-wildcard",
    title="Role uses * in verbs, resources or apiGroups",
    severity=Severity.HIGH,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""List verbs, resources and API groups explicitly. A wildcard also grants
    every resource and verb added in the future, including subresources such as pods/exec.""",
)
def rbac_wildcard(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """A rule of a Role or ClusterRole with ``*`` in verbs, resources or apiGroups."""
    idx = _index(inv, ctx)
    users: dict[tuple[str, str | None, str], list[Grant]] = {}
    for g in idx.grants:
        users.setdefault(g.role.key, []).append(g)
    for role in idx.roles.values():
        # An aggregated role's rules come from other roles, which are reported themselves.
        if role.resource is None or role.aggregation_selectors is not None:
            continue
        grants = users.get(role.key, [])
        bound = (
            "bound to "
            + "; ".join(
                f"{_subjects(g.binding.subjects)} via {g.binding.display()}" for g in grants[:3]
            )
            if grants
            else "not bound to anyone in view"
        )
        for r in role.rules:
            for field, values in (
                ("verbs", r.verbs),
                ("resources", r.resources),
                ("apiGroups", r.api_groups),
            ):
                if "*" in values:
                    yield Violation(
                        f"{role.display()} grants * in {field} (rule: {r.describe()}), {bound}: "
                        "a wildcard also covers every resource and verb added later",
                        path=("rules", r.index, field),
                        key=f"{r.index}|{field}",
                        resource=role.resource,
                    )
                    break


@rule(
    id="rbac-secrets-read",
    title="Secrets readable cluster-wide, or listable in a namespace",
    severity=Severity.HIGH,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""Grant get on named secrets (resourceNames) instead of list/watch, which
    return every secret's value, and avoid cluster-wide secret access entirely; mount the
    secrets a workload needs instead of reading them through the API.""",
)
def rbac_secrets_read(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """get/list/watch on secrets through a ClusterRoleBinding, or list/watch in a namespace."""
    cache = _caps(inv, ctx)
    for grant in _index(inv, ctx).grants:
        if not grant.binding.subjects or grant.binding.resource is None:
            continue
        flags = cache.caps(grant).flags
        wanted = ("secrets-list", "secrets-get") if grant.scope is None else ("secrets-list",)
        hit = next((c for c in wanted if c in flags), None)
        if hit is not None:
            what = "read every secret" if hit == "secrets-get" else "list and watch secrets"
            yield _violation(
                grant, f"can {what} {_where(grant)}", flags[hit].describe(), risk_of(hit)
            )


@rule(
    id="rbac-escalation-verbs",
    title="escalate, bind or impersonate granted",
    severity=Severity.CRITICAL,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""Remove escalate and bind on roles/clusterroles and impersonate on
    users/groups/serviceaccounts except for the few controllers that need them; each lets the
    holder take permissions it was never given.""",
)
def rbac_escalation_verbs(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """``escalate`` or ``bind`` on roles/clusterroles, ``impersonate`` on identities."""
    yield from _grant_rule(
        inv, ctx, ("escalate", "bind", "impersonate"), "escalate, bind or impersonate"
    )


@rule(
    id="rbac-pod-exec",
    title="Exec or attach into pods granted",
    severity=Severity.HIGH,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""Remove create (and get, which websocket clients use before Kubernetes 1.35)
    on pods/exec and pods/attach; use ephemeral debug workflows behind approval instead.""",
)
def rbac_pod_exec(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """create or get on pods/exec or pods/attach."""
    yield from _grant_rule(inv, ctx, ("exec",), "exec or attach into pods")


@rule(
    id="rbac-create-pods",
    title="Workload creation granted (secret and token access)",
    severity=Severity.HIGH,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""Let a deployment pipeline, not people or workloads, create pods and pod
    controllers; where needed, keep such grants to one namespace and enforce the restricted
    Pod Security Standard there.""",
)
def rbac_create_pods(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """create pods, or create/update/patch of a pod controller."""
    yield from _grant_rule(
        inv, ctx, ("create-pods", "write-workloads"), "create pods or pod controllers"
    )


@rule(
    id="rbac-node-proxy",
    title="nodes/proxy granted (command execution through the kubelet)",
    severity=Severity.CRITICAL,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""Remove get and create on nodes/proxy; monitoring agents should read
    nodes/metrics and nodes/stats instead.""",
)
def rbac_node_proxy(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """get or create on nodes/proxy through a ClusterRoleBinding."""
    yield from _grant_rule(inv, ctx, ("node-proxy",), "reach the kubelet API", cluster_only=True)


@rule(
    id="rbac-csr-approve",
    title="Certificate signing requests can be approved",
    severity=Severity.CRITICAL,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""Only the certificate controller should update
    certificatesigningrequests/approval; remove it from other roles, together with approve on
    signers.""",
)
def rbac_csr_approve(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """update/patch certificatesigningrequests/approval through a ClusterRoleBinding."""
    yield from _grant_rule(
        inv, ctx, ("csr-approve",), "approve certificate requests", cluster_only=True
    )


@rule(
    id="rbac-token-create",
    title="Service account tokens can be minted",
    severity=Severity.HIGH,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""Remove create on serviceaccounts/token; only the kubelet and token
    brokers need it.""",
)
def rbac_token_create(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """create on serviceaccounts/token."""
    yield from _grant_rule(inv, ctx, ("token-create",), "mint service account tokens")


@rule(
    id="rbac-webhook-config-write",
    title="Admission webhook configurations writable",
    severity=Severity.CRITICAL,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""Only cluster administrators and the operator that owns a webhook should
    write validating or mutating webhook configurations; scope the operator's grant with
    resourceNames.""",
)
def rbac_webhook_config_write(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """create/update/patch/delete of webhook configurations through a ClusterRoleBinding."""
    yield from _grant_rule(
        inv, ctx, ("webhook-write",), "write admission webhook configurations", cluster_only=True
    )


def _discovery_only(grant: Grant | None, role_name: str) -> bool:
    if grant is None:
        return role_name in DISCOVERY_ROLES
    for r in grant.role.rules:
        if r.non_resource_urls:
            if set(r.verbs) - {"get", "head"}:
                return False
            continue
        if (
            set(r.verbs) - {"create"}
            or set(r.resources) - SELF_REVIEWS
            or set(r.api_groups) - {"authorization.k8s.io", "authentication.k8s.io"}
        ):
            return False
    return True


@rule(
    id="rbac-anonymous-binding",
    title="Permissions granted to anonymous or every authenticated user",
    severity=Severity.CRITICAL,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""Remove system:anonymous and system:unauthenticated from bindings, and
    bind system:authenticated to nothing beyond discovery: every identity with any credential,
    every service account included, is a member.""",
)
def rbac_anonymous_binding(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """A binding to ``system:anonymous``, ``system:unauthenticated``, or to
    ``system:authenticated`` for more than discovery."""
    idx = _index(inv, ctx)
    grant_of = {id(g.binding): g for g in idx.grants}
    for b in idx.bindings:
        if b.resource is None:
            continue
        grant = grant_of.get(id(b))
        role = b.role_ref[2]
        display = grant.role.display() if grant else f"{b.role_ref[0]}/{role} (not in view)"
        for s in b.subjects:
            everyone = (s.kind, s.name) in (("User", ANONYMOUS), ("Group", UNAUTHENTICATED))
            authn = (s.kind, s.name) == ("Group", AUTHENTICATED)
            if not everyone and not (authn and not _discovery_only(grant, role)):
                continue
            who = "anyone, without credentials," if everyone else "every authenticated identity"
            yield Violation(
                f"{s.display()} is bound via {b.display()} -> {display} {_where_b(b)}: "
                f"{who} gets these permissions",
                path=_subject_path(b, s),
                key=f"{s.kind}|{s.name}",
                resource=b.resource,
            )


def _where_b(b: Binding) -> str:
    return "cluster-wide" if b.scope is None else f"in namespace {b.scope}"


@rule(
    id="rbac-default-sa-bound",
    title="Permissions bound to a namespace's default service account",
    severity=Severity.MEDIUM,
    category=Category.RBAC,
    target=Target.INVENTORY,
    reports_on=RBAC_KINDS,
    remediation="""Create a dedicated service account for the workload that needs the
    permissions and bind the role to it; every pod that names no service account runs as
    default and would inherit them.""",
)
def rbac_default_sa_bound(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """A binding naming a ``default`` ServiceAccount, to a role that grants anything."""
    idx = _index(inv, ctx)
    grant_of = {id(g.binding): g for g in idx.grants}
    for b in idx.bindings:
        if b.resource is None:
            continue
        grant = grant_of.get(id(b))
        if grant is not None and not grant.role.rules:
            continue
        display = (
            grant.role.display() if grant else f"{b.role_ref[0]}/{b.role_ref[2]} (not in view)"
        )
        for s in b.subjects:
            if s.kind == "ServiceAccount" and s.name == "default":
                yield Violation(
                    f"{s.display()} is bound via {b.display()} -> {display} {_where_b(b)}: "
                    "every pod in the namespace that names no service account gets these "
                    "permissions",
                    path=_subject_path(b, s),
                    key=f"{s.namespace}/{s.name}",
                    resource=b.resource,
                )
