"""Aggregated ClusterRoles: rules gathered from every ClusterRole a label selector picks.

Spec: the clusterrole-aggregation controller
(``pkg/controller/clusterroleaggregation/clusterroleaggregation_controller.go``) replaces the
rules of a ClusterRole that has an ``aggregationRule`` with the union (without duplicates, in
order) of the rules of every *other* ClusterRole matched by any of its selectors. Those may be
aggregated roles themselves, whose rules the controller has already computed, so we resolve
to a fixed point; a cycle simply converges on the union.
"""

from __future__ import annotations

from collections.abc import Iterable

from stockade.inventory.selectors import selector_matches
from stockade.rbac.types import PolicyRule, Role


def resolve_aggregation(roles: list[Role]) -> None:
    """Replace the rules of every aggregated ClusterRole in place."""
    cluster = [r for r in roles if r.kind == "ClusterRole"]
    aggregated = [r for r in cluster if r.aggregation_selectors is not None]
    if not aggregated:
        return
    members: dict[str, list[Role]] = {}
    for role in aggregated:
        selectors = role.aggregation_selectors or ()
        members[role.name] = [
            other
            for other in cluster
            if other is not role and any(selector_matches(s, other.labels) for s in selectors)
        ]
    # Aggregated roles start from what the controller would write on its first pass.
    for role in aggregated:
        role.rules = ()
    for _ in range(len(aggregated) + 1):
        changed = False
        for role in aggregated:
            merged = _union(m.rules for m in members[role.name])
            if merged != role.rules:
                role.rules = merged
                changed = True
        if not changed:
            break


def _union(rule_lists: Iterable[tuple[PolicyRule, ...]]) -> tuple[PolicyRule, ...]:
    seen: dict[PolicyRule, None] = {}
    for rules in rule_lists:
        for r in rules:
            seen.setdefault(r, None)
    return tuple(seen)
