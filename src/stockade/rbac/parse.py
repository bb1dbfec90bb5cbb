"""Turn Role, ClusterRole, RoleBinding and ClusterRoleBinding resources into typed objects.

Validation follows the API server's (``pkg/apis/rbac/validation``) where it matters to the
authorizer: a rule needs verbs; a rule has resources (with apiGroups) or nonResourceURLs, and a
Role cannot have nonResourceURLs; a binding needs a roleRef to a Role or ClusterRole (a
ClusterRoleBinding only to a ClusterRole); subjects are User, Group or ServiceAccount. Each
problem becomes a `ScanError` naming the object and the field; a bad rule or subject is
dropped, the rest of the object is kept (the authorizer would not have admitted it at all, so
nothing it could grant is lost).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stockade.inventory.resource import Resource
from stockade.model import ScanError
from stockade.rbac.types import SA_PREFIX, Binding, PolicyRule, Role, Subject

RBAC_GROUP = "rbac.authorization.k8s.io"
ROLE_KINDS = ("Role", "ClusterRole")
BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")


@dataclass(slots=True)
class Parsed:
    """Everything parsed, and every problem found."""

    roles: list[Role] = field(default_factory=list)
    bindings: list[Binding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)


def _error(res: Resource, message: str, hint: str | None = None) -> ScanError:
    return ScanError(res.origin.file, res.origin.line, f"{res.display()}: {message}", hint)


def _strings(value: Any) -> tuple[str, ...] | None:
    """A list of strings, or None when malformed."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    return tuple(value)


def parse_rule(raw: Any, index: int, namespaced: bool) -> PolicyRule | str:
    """One PolicyRule, or what is wrong with it."""
    if not isinstance(raw, dict):
        return "is not a mapping"
    fields: dict[str, tuple[str, ...]] = {}
    for name in ("verbs", "apiGroups", "resources", "resourceNames", "nonResourceURLs"):
        value = _strings(raw.get(name))
        if value is None:
            return f"{name} must be a list of strings"
        fields[name] = value
    if not fields["verbs"]:
        return "has no verbs"
    if fields["nonResourceURLs"]:
        if namespaced:
            return "nonResourceURLs are not allowed in a Role (only in a ClusterRole)"
        if fields["resources"]:
            return "has both resources and nonResourceURLs"
    elif not fields["resources"]:
        return "has neither resources nor nonResourceURLs"
    elif not fields["apiGroups"]:
        return 'has resources but no apiGroups (use [""] for the core group)'
    return PolicyRule(
        verbs=fields["verbs"],
        api_groups=fields["apiGroups"],
        resources=fields["resources"],
        resource_names=fields["resourceNames"],
        non_resource_urls=fields["nonResourceURLs"],
        index=index,
    )


def parse_role(res: Resource, errors: list[ScanError]) -> Role | None:
    """A Role or ClusterRole; None when it cannot be used at all."""
    if not res.name:
        errors.append(_error(res, "has no metadata.name", "Give every role a name."))
        return None
    namespaced = res.kind == "Role"
    raw_rules = res.obj.get("rules")
    rules: list[PolicyRule] = []
    if raw_rules is not None and not isinstance(raw_rules, list):
        errors.append(_error(res, "rules is not a list", "Write rules as a list of mappings."))
        raw_rules = []
    for i, raw in enumerate(raw_rules or []):
        parsed = parse_rule(raw, i, namespaced)
        if isinstance(parsed, str):
            errors.append(
                _error(res, f"rules[{i}] {parsed}; the rule is ignored", "Fix or remove the rule.")
            )
        else:
            rules.append(parsed)
    selectors: tuple[dict[str, Any], ...] | None = None
    agg = res.obj.get("aggregationRule")
    if not namespaced and agg is not None:
        raw_sel = agg.get("clusterRoleSelectors") if isinstance(agg, dict) else None
        if not isinstance(raw_sel, list) or not all(isinstance(s, dict) for s in raw_sel):
            errors.append(
                _error(
                    res,
                    "aggregationRule.clusterRoleSelectors must be a list of label selectors",
                    "Aggregation is ignored; the role keeps its own rules.",
                )
            )
        else:
            selectors = tuple(raw_sel)
    return Role(
        kind=res.kind,
        namespace=res.effective_namespace() if namespaced else None,
        name=res.name,
        rules=tuple(rules),
        labels=res.labels,
        aggregation_selectors=selectors,
        resource=res,
    )


def _parse_subject(raw: Any, binding_ns: str | None) -> Subject | str:
    if not isinstance(raw, dict):
        return "is not a mapping"
    kind, name, ns = raw.get("kind"), raw.get("name"), raw.get("namespace")
    if not isinstance(name, str) or not name:
        return "has no name"
    if ns is not None and not isinstance(ns, str):
        return "namespace is not a string"
    if kind == "User" and name.startswith(SA_PREFIX) and name.count(":") == 3:
        # The same identity as the ServiceAccount subject: show it as one.
        sa_ns, _, sa_name = name[len(SA_PREFIX) :].partition(":")
        return Subject("ServiceAccount", sa_name, sa_ns)
    if kind in ("User", "Group"):
        return Subject(kind, name)
    if kind == "ServiceAccount":
        # The authorizer defaults a service account's namespace to the RoleBinding's own;
        # a ClusterRoleBinding has none to offer, so such a subject matches nobody.
        namespace = ns or binding_ns
        if not namespace:
            return (
                "is a ServiceAccount without a namespace in a ClusterRoleBinding (matches nobody)"
            )
        return Subject(kind, name, namespace)
    return f"has unknown kind {kind!r} (User, Group or ServiceAccount)"


def parse_binding(res: Resource, errors: list[ScanError]) -> Binding | None:
    """A RoleBinding or ClusterRoleBinding; None when it grants nothing usable."""
    namespaced = res.kind == "RoleBinding"
    ns = res.effective_namespace() if namespaced else None
    ref = res.obj.get("roleRef")
    if not isinstance(ref, dict):
        errors.append(_error(res, "has no roleRef", "Reference a Role or ClusterRole in roleRef."))
        return None
    ref_kind, ref_name = ref.get("kind"), ref.get("name")
    allowed = ROLE_KINDS if namespaced else ("ClusterRole",)
    if ref_kind not in allowed or not isinstance(ref_name, str) or not ref_name:
        errors.append(
            _error(
                res,
                f"roleRef must name a {' or '.join(allowed)} (got kind {ref_kind!r}, name {ref_name!r})",
                "The binding grants nothing until roleRef is fixed.",
            )
        )
        return None
    group = ref.get("apiGroup", RBAC_GROUP)
    if group != RBAC_GROUP:
        errors.append(_error(res, f"roleRef.apiGroup must be {RBAC_GROUP} (got {group!r})"))
        return None
    subjects: list[Subject] = []
    raw_subjects = res.obj.get("subjects")
    if raw_subjects is not None and not isinstance(raw_subjects, list):
        errors.append(_error(res, "subjects is not a list"))
        raw_subjects = []
    for i, raw in enumerate(raw_subjects or []):
        parsed = _parse_subject(raw, ns)
        if isinstance(parsed, str):
            errors.append(_error(res, f"subjects[{i}] {parsed}; the subject is ignored"))
        else:
            subjects.append(parsed)
    role_ns = ns if ref_kind == "Role" else None
    return Binding(
        kind=res.kind,
        namespace=ns,
        name=res.name,
        role_ref=(str(ref_kind), role_ns, ref_name),
        subjects=tuple(dict.fromkeys(subjects)),
        resource=res,
    )


def parse_rbac(resources: Iterable[Resource]) -> Parsed:
    """Parse every RBAC object among ``resources`` (other kinds are ignored)."""
    out = Parsed()
    for res in resources:
        if res.group != RBAC_GROUP:
            continue
        if res.kind in ROLE_KINDS:
            role = parse_role(res, out.errors)
            if role is not None:
                out.roles.append(role)
        elif res.kind in BINDING_KINDS:
            binding = parse_binding(res, out.errors)
            if binding is not None:
                out.bindings.append(binding)
    return out
