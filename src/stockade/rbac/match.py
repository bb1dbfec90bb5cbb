"""The RBAC authorizer's matching, rule by rule, exactly as Kubernetes decides it.

Spec: ``pkg/apis/rbac/v1/evaluation_helpers.go`` (VerbMatches, APIGroupMatches,
ResourceMatches, ResourceNameMatches, NonResourceURLMatches) and ``RuleAllows`` in
``plugin/pkg/auth/authorizer/rbac/rbac.go``:

- verbs and apiGroups: ``*`` or an exact match (the core group is ``""``);
- resources: ``*``, the exact ``resource/subresource``, or ``*/subresource`` for a request with
  that subresource. ``pods/*`` is *not* a wildcard: it only matches a subresource literally
  named ``*``;
- resourceNames: empty matches any name; otherwise the request must name one of them (a
  request without a name, such as list, matches only rules without resourceNames);
- nonResourceURLs: ``*``, exact, or a prefix ending in ``*``.
"""

from __future__ import annotations

from dataclasses import dataclass

from stockade.rbac.types import PolicyRule


@dataclass(frozen=True, slots=True)
class Request:
    """The attributes of one API request the authorizer sees.

    ``namespace`` None is a cluster-wide request (cluster-scoped resources, or all namespaces);
    ``path`` set (and ``resource`` empty) is a non-resource request such as ``/healthz``.
    """

    verb: str
    resource: str = ""
    subresource: str = ""
    api_group: str = ""
    name: str = ""
    namespace: str | None = None
    path: str = ""

    @property
    def is_resource(self) -> bool:
        """Whether this is a resource request (not a non-resource URL)."""
        return not self.path

    @property
    def combined_resource(self) -> str:
        """``resource`` or ``resource/subresource``."""
        return f"{self.resource}/{self.subresource}" if self.subresource else self.resource

    def describe(self) -> str:
        """``get secrets/db (in payments)`` for messages."""
        if not self.is_resource:
            return f"{self.verb} {self.path}"
        what = self.combined_resource
        if self.api_group:
            what = f"{what}.{self.api_group}"
        if self.name:
            what = f"{what} {self.name!r}"
        where = f"in namespace {self.namespace}" if self.namespace else "cluster-wide"
        return f"{self.verb} {what} {where}"


def verb_matches(rule: PolicyRule, verb: str) -> bool:
    """VerbMatches."""
    return any(v == "*" or v == verb for v in rule.verbs)


def api_group_matches(rule: PolicyRule, group: str) -> bool:
    """APIGroupMatches."""
    return any(g == "*" or g == group for g in rule.api_groups)


def resource_matches(rule: PolicyRule, combined: str, subresource: str) -> bool:
    """ResourceMatches: ``*``, exact ``resource/sub``, or ``*/sub`` when a subresource is asked."""
    for r in rule.resources:
        if r == "*" or r == combined:
            return True
        if (
            subresource
            and len(r) == len(subresource) + 2
            and r.startswith("*/")
            and r.endswith(subresource)
        ):
            return True
    return False


def resource_name_matches(rule: PolicyRule, name: str) -> bool:
    """ResourceNameMatches: no names means any name."""
    return not rule.resource_names or name in rule.resource_names


def non_resource_url_matches(rule: PolicyRule, path: str) -> bool:
    """NonResourceURLMatches: ``*``, exact, or a trailing-``*`` prefix."""
    for u in rule.non_resource_urls:
        if u == "*" or u == path:
            return True
        if u.endswith("*") and path.startswith(u.rstrip("*")):
            return True
    return False


def rule_allows(rule: PolicyRule, req: Request) -> bool:
    """RuleAllows: whether one rule grants the request."""
    if req.is_resource:
        return (
            verb_matches(rule, req.verb)
            and api_group_matches(rule, req.api_group)
            and resource_matches(rule, req.combined_resource, req.subresource)
            and resource_name_matches(rule, req.name)
        )
    return verb_matches(rule, req.verb) and non_resource_url_matches(rule, req.path)


def rules_allow(rules: tuple[PolicyRule, ...], req: Request) -> PolicyRule | None:
    """The first rule that grants the request, or None."""
    for rule in rules:
        if rule_allows(rule, req):
            return rule
    return None
