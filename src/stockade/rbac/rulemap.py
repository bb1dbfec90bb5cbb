"""Rules filed by what they can match, so a query reads only the rules that could grant it.

A resource rule without ``*`` in its apiGroups and resources (and no ``*/subresource``) can grant
only the (apiGroup, resource) pairs it lists, so it is filed under each of them; a rule with a
wildcard could grant many pairs and is kept on a short list read by every query. Non-resource
rules are a list of their own. Matching stays exact: the filing only narrows what is examined.

Roles are filed by where their bindings hold: a role whose every binding is a RoleBinding of
one namespace (every Role, and a ClusterRole only used there) can only answer questions about
that namespace; all other roles are *shared*. What the shared roles grant for a request does not
depend on the namespace asked about, so it is computed once per request and reused.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from stockade.rbac.match import Request, rule_allows
from stockade.rbac.types import PolicyRule

RuleRef = tuple[int, int, PolicyRule]
"""(role id, position of the rule in the role's rules, the rule)."""

RoleMatches = dict[int, tuple[int, PolicyRule]]
"""role id -> (position, rule) of the role's first rule that allows a request."""

_EVERYWHERE = "*"
_CACHE_SIZE = 256


def _is_literal(token: str) -> bool:
    return token != "*" and not token.startswith("*/")


@dataclass(slots=True)
class RuleMap:
    """The rules of some roles, filed by (apiGroup, resource); wildcard and URL rules apart."""

    exact: dict[tuple[str, str], list[RuleRef]] = field(default_factory=dict)
    wildcard: list[RuleRef] = field(default_factory=list)
    urls: list[RuleRef] = field(default_factory=list)

    def add(self, role_id: int, rules: Iterable[PolicyRule]) -> None:
        """File every rule of one role."""
        for pos, rule in enumerate(rules):
            ref = (role_id, pos, rule)
            if rule.non_resource_urls:
                self.urls.append(ref)
            elif all(g != "*" for g in rule.api_groups) and all(
                _is_literal(r) for r in rule.resources
            ):
                # A rule listing a pair twice must still be examined once per query.
                for pair in dict.fromkeys((g, r) for g in rule.api_groups for r in rule.resources):
                    self.exact.setdefault(pair, []).append(ref)
            else:
                self.wildcard.append(ref)

    def match(self, req: Request, found: RoleMatches) -> None:
        """Record, per role, the first of its rules (by position) that allows the request."""
        if not req.is_resource:
            for ref in self.urls:
                if rule_allows(ref[2], req):
                    _keep(found, ref)
            return
        verb, name = req.verb, req.name
        # Filed rules already match the apiGroup and resource: verbs and names remain.
        for ref in self.exact.get((req.api_group, req.combined_resource), ()):
            rule = ref[2]
            verbs = rule.verbs
            if (verb in verbs or "*" in verbs) and (
                not rule.resource_names or name in rule.resource_names
            ):
                _keep(found, ref)
        for ref in self.wildcard:
            if rule_allows(ref[2], req):
                _keep(found, ref)


def _keep(found: RoleMatches, ref: RuleRef) -> None:
    role_id, pos, rule = ref
    current = found.get(role_id)
    if current is None or pos < current[0]:
        found[role_id] = (pos, rule)


class RuleIndex:
    """Every bound role's rules, filed per namespace the role can grant in (or shared)."""

    def __init__(self, rules: list[tuple[PolicyRule, ...]], homes: list[str | None]) -> None:
        """``rules[i]`` are role i's rules; ``homes[i]`` the one namespace all of role i's
        bindings hold in, or None when they hold elsewhere too (roles without bindings are
        left out by the caller: they grant nothing)."""
        self._shared = RuleMap()
        self._by_namespace: dict[str, RuleMap] = {}
        for role_id, (role_rules, home) in enumerate(zip(rules, homes, strict=True)):
            if home is None:
                self._shared.add(role_id, role_rules)
            else:
                self._by_namespace.setdefault(home, RuleMap()).add(role_id, role_rules)
        self._shared_cache: dict[Request, RoleMatches] = {}

    def matching(self, req: Request, namespace: str | None) -> RoleMatches:
        """Roles (with their first allowing rule) that can grant the request where asked:
        ``namespace`` None for cluster-wide grants only, ``"*"`` for every namespace."""
        found = dict(self._shared_matches(req))
        if namespace == _EVERYWHERE:
            for rule_map in self._by_namespace.values():
                rule_map.match(req, found)
        elif namespace is not None:
            local = self._by_namespace.get(namespace)
            if local is not None:
                local.match(req, found)
        return found

    def _shared_matches(self, req: Request) -> RoleMatches:
        key = Request(
            req.verb, req.resource, req.subresource, req.api_group, req.name, None, req.path
        )
        found = self._shared_cache.get(key)
        if found is None:
            if len(self._shared_cache) >= _CACHE_SIZE:
                del self._shared_cache[next(iter(self._shared_cache))]
            found = self._shared_cache[key] = {}
            self._shared.match(req, found)
        return found
