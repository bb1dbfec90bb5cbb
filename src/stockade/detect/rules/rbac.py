"""RBAC changes that grant broad power: bindings to cluster-admin/admin/wildcard roles, and
roles with wildcards.

Spec (RBAC API, ``rbac.authorization.k8s.io/v1``): a (Cluster)RoleBinding's ``roleRef``
(``kind`` Role|ClusterRole, ``name``) is immutable, so updates and patches only change
``subjects``; a RoleBinding may reference a ClusterRole and grants it inside its namespace.
A PolicyRule grants ``verbs`` on ``resources`` in ``apiGroups`` (or ``nonResourceURLs``);
``*`` matches everything, ``pods/*`` every subresource. Audit: ``requestObject`` at Request
level; for patches the body is the patch, the result is ``responseObject`` (RequestResponse).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from stockade.detect.event import AuditEvent
from stockade.detect.registry import (
    MUTATING_VERBS,
    DetectContext,
    Hit,
    Outcome,
    Unevaluated,
    audit_rule,
)
from stockade.detect.rules.common import did, no_body, object_after, subjects_text
from stockade.detect.state import BoundedMap
from stockade.model import Severity

RoleKey = tuple[str, str, str]  # (kind, namespace, name)


@dataclass(slots=True)
class RbacState:
    """Roles seen to carry wildcards and bindings' roleRefs, learned from the stream."""

    wildcard_roles: BoundedMap[RoleKey, bool]
    binding_roles: BoundedMap[RoleKey, tuple[str, str]]


def _state(ctx: DetectContext) -> RbacState:
    limit = ctx.settings.state_limit
    return ctx.memo("rbac", lambda: RbacState(BoundedMap(limit), BoundedMap(limit)))


def wildcard_grants(rules: Any) -> list[str]:
    """``rules[0].resources "*"``-style descriptions of each wildcard in a role's rules."""
    found: list[str] = []
    if not isinstance(rules, list):
        return found
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict):
            continue
        for key in ("verbs", "resources", "apiGroups", "nonResourceURLs"):
            values = rule.get(key)
            if not isinstance(values, list):
                continue
            for value in values:
                if not isinstance(value, str):
                    continue
                if value == "*" or (key == "resources" and value.endswith("/*")):
                    found.append(f'rules[{i}].{key} "{value}"')
    return found


def _patch_wildcards(patch: Any) -> list[str] | None:
    """Wildcards a patch body writes into ``rules``; None when the patch does not touch rules."""
    if isinstance(patch, dict):
        if "rules" not in patch:
            return None
        return wildcard_grants(patch.get("rules"))
    if isinstance(patch, list):
        touched = False
        found: list[str] = []
        for op in patch:
            if not isinstance(op, dict) or not str(op.get("path", "")).startswith("/rules"):
                continue
            touched = True
            if _contains_star(op.get("value")):
                found.append(f'{op.get("path")} "*"')
        return found if touched else None
    return None


def _contains_star(value: Any) -> bool:
    if isinstance(value, str):
        return value == "*" or value.endswith("/*")
    if isinstance(value, list):
        return any(_contains_star(v) for v in value)
    if isinstance(value, dict):
        return any(_contains_star(v) for v in value.values())
    return False


def _role_key(event: AuditEvent) -> RoleKey:
    kind = "ClusterRole" if event.resource == "clusterroles" else "Role"
    return (kind, event.namespace if kind == "Role" else "", event.name)


@audit_rule(
    id="audit-wildcard-role",
    title="Role or ClusterRole with wildcard permissions written",
    severity=Severity.HIGH,
    mitre=("T1098.006",),
    resources=(("roles", ""), ("clusterroles", "")),
    verbs=MUTATING_VERBS,
    needs_level="Request",
    description="A Role or ClusterRole was created, updated or patched with `*` in verbs, "
    "resources (or `x/*`), apiGroups or nonResourceURLs: it grants everything that exists "
    "now and everything added later.",
    remediation="Review who wrote the role and why. Replace wildcards with the exact verbs, "
    "resources and API groups needed (CIS 5.1.3); bind broad roles only to break-glass "
    "identities.",
)
def wildcard_role(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """Wildcards in a written role's rules (from the stored object, or the patch)."""
    state = _state(ctx)
    key = _role_key(event)
    body = object_after(event, ("Role", "ClusterRole"))
    if body is not None:
        grants = wildcard_grants(body.get("rules"))
    elif event.verb == "patch" and event.level_at_least("Request"):
        patched = _patch_wildcards(event.request_object)
        if patched is None:
            return  # the patch does not touch rules: it cannot add a wildcard
        grants = patched
    else:
        yield Unevaluated(no_body(event, "requestObject"))
        return
    if not grants:
        if body is not None:
            state.wildcard_roles.put(key, False)
        return
    state.wildcard_roles.put(key, True)
    if ctx.settings.is_system(event.username):
        return  # remembered for bindings, but the control plane's own roles are not news
    shown = ", ".join(grants[:4]) + (f" and {len(grants) - 4} more" if len(grants) > 4 else "")
    yield Hit(
        f"{event.username} {did(event.verb)} {key[0]} {_display(key)} with wildcard "
        f"permissions: {shown}"
    )


def _display(key: RoleKey) -> str:
    return f"{key[1]}/{key[2]}" if key[1] else key[2]


@audit_rule(
    id="audit-cluster-admin-binding",
    title="Binding to cluster-admin, admin or a wildcard role",
    severity=Severity.HIGH,
    mitre=("T1098.006", "T1078"),
    resources=(("clusterrolebindings", ""), ("rolebindings", "")),
    verbs=MUTATING_VERBS,
    needs_level="Request",
    description="A ClusterRoleBinding or RoleBinding to cluster-admin, admin (or another "
    "configured privileged role) or to a role seen with wildcards was created, updated or "
    "patched: its subjects gain (namespace or cluster) administrator power.",
    remediation="Confirm the change was intended; if not, delete the binding and rotate the "
    "credentials of its subjects. Grant narrow roles instead, and keep cluster-admin for "
    "break-glass identities (CIS 5.1.1).",
)
def cluster_admin_binding(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """A binding whose roleRef is a privileged or wildcard role."""
    state = _state(ctx)
    kind = "ClusterRoleBinding" if event.resource == "clusterrolebindings" else "RoleBinding"
    bkey: RoleKey = (kind, event.namespace if kind == "RoleBinding" else "", event.name)
    body = object_after(event, (kind,))
    subjects: Any = None
    if body is not None and isinstance(body.get("roleRef"), dict):
        ref = body["roleRef"]
        role = (str(ref.get("kind", "")), str(ref.get("name", "")))
        subjects = body.get("subjects")
        state.binding_roles.put(bkey, role)
    else:
        known = state.binding_roles.get(bkey)
        if known is None:
            yield Unevaluated(no_body(event, "requestObject"))
            return
        role = known
        if isinstance(event.request_object, dict):
            subjects = event.request_object.get("subjects")
    if ctx.settings.is_system(event.username):
        return  # remembered above; the control plane's bootstrap bindings are not news
    role_kind, role_name = role
    privileged = role_kind == "ClusterRole" and role_name in ctx.settings.privileged_roles
    role_ns = event.namespace if role_kind == "Role" else ""
    wildcard = state.wildcard_roles.get((role_kind, role_ns, role_name)) is True
    if not (privileged or wildcard):
        return
    severity = (
        Severity.CRITICAL
        if (kind == "ClusterRoleBinding" and role_name == "cluster-admin")
        else None
    )
    scope = "cluster-wide" if kind == "ClusterRoleBinding" else f"in namespace {event.namespace}"
    why = " (a role seen with wildcard permissions)" if wildcard and not privileged else ""
    target = f"{event.namespace}/{event.name}" if event.namespace else event.name
    yield Hit(
        f"{event.username} {did(event.verb)} {kind} {target} granting {role_kind} "
        f"{role_name}{why} {scope} to {subjects_text(subjects)}",
        severity=severity,
    )
