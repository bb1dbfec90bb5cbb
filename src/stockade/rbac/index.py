"""The permission index: RBAC objects parsed, validated and cross-referenced once.

Queries are lookups: rules are indexed by (verb, resource) tokens, so ``who_can`` examines only
the roles that could grant the request, then the bindings of those roles; ``can`` follows an
identity's user name and groups to its bindings. Semantics are the authorizer's
(`stockade.rbac.match`, ``plugin/pkg/auth/authorizer/rbac``): a request in namespace N is
granted by ClusterRoleBindings and by RoleBindings in N; a cluster-wide request only by
ClusterRoleBindings; ``system:masters`` bypasses RBAC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from stockade.inventory import Inventory, Resource
from stockade.model import ScanError
from stockade.rbac.aggregate import resolve_aggregation
from stockade.rbac.match import Request, rules_allow
from stockade.rbac.parse import parse_rbac
from stockade.rbac.resources import ResourceCatalog
from stockade.rbac.types import (
    MASTERS,
    Binding,
    Identity,
    PolicyRule,
    Role,
    RoleKey,
    Subject,
    display_key,
)

ALL_NAMESPACES = "*"
"""Pass as the namespace to ask about every namespace at once."""

BUILTIN_BINDING = "(built-in)"
MASTERS_ROLE = "(system:masters bypasses authorization)"


class Grant(NamedTuple):
    """A binding granting a role: what one binding makes possible, and where."""

    binding: Binding
    role: Role

    @property
    def scope(self) -> str | None:
        """The namespace the grant holds in; None for every namespace and cluster scope."""
        return self.binding.scope

    @property
    def namespaces(self) -> tuple[str, ...]:
        """``("*",)`` for cluster-wide grants, else the binding's namespace."""
        return (ALL_NAMESPACES,) if self.scope is None else (self.scope,)


@dataclass(frozen=True, slots=True)
class Via:
    """Evidence: the binding and role that grant a request, the rule, and where it holds."""

    binding: str
    role: str
    namespaces: tuple[str, ...]
    rule: PolicyRule | None = None

    def to_json(self) -> dict[str, object]:
        """The who-can JSON contract's ``via`` entry."""
        return {"binding": self.binding, "role": self.role, "namespaces": list(self.namespaces)}


@dataclass(frozen=True, slots=True)
class SubjectAccess:
    """A subject that can make the request, with every chain that allows it."""

    subject: Subject
    via: tuple[Via, ...]

    def to_json(self) -> dict[str, object]:
        """The who-can JSON contract's subject entry."""
        out: dict[str, object] = self.subject.to_json()
        out["via"] = [v.to_json() for v in self.via]
        return out


_KIND_ORDER = {"Group": 0, "User": 1, "ServiceAccount": 2}
MASTERS_SUBJECT = Subject("Group", MASTERS)


class PermissionIndex:
    """Every role and binding, cross-referenced once; answers access questions by lookup."""

    def __init__(
        self,
        roles: list[Role],
        bindings: list[Binding],
        errors: list[ScanError],
        catalog: ResourceCatalog | None = None,
    ) -> None:
        resolve_aggregation(roles)
        self.catalog = catalog or ResourceCatalog()
        self.errors = list(errors)
        self.roles: dict[RoleKey, Role] = {}
        for role in roles:
            self.roles.setdefault(role.key, role)
        self.bindings = bindings
        self.unresolved: list[Binding] = []
        self.grants: list[Grant] = []
        self._by_key: dict[tuple[str, str], list[Grant]] = defaultdict(list)
        self._by_role: dict[RoleKey, list[Grant]] = defaultdict(list)
        for b in bindings:
            target = self.roles.get(b.role_ref)
            if target is None:
                self.unresolved.append(b)
                continue
            grant = Grant(b, target)
            self.grants.append(grant)
            self._by_role[target.key].append(grant)
            for s in b.subjects:
                self._by_key[s.match_key].append(grant)
        self._tokens: dict[tuple[str, str], set[RoleKey]] = defaultdict(set)
        self._url_roles: list[Role] = []
        for role in self.roles.values():
            has_url = False
            for rule in role.rules:
                if rule.non_resource_urls:
                    has_url = True
                    continue
                for v in rule.verbs:
                    for r in rule.resources:
                        self._tokens[(v, r)].add(role.key)
            if has_url:
                self._url_roles.append(role)

    # -- building blocks ------------------------------------------------------------------

    def request(
        self,
        verb: str,
        resource: str,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
        group: str | None = None,
    ) -> Request:
        """A Request with the group inferred and cluster-scoped resources stripped of namespace."""
        if self.catalog.is_cluster_scoped(resource):
            namespace = None
        return Request(
            verb=verb,
            resource=resource,
            subresource=subresource or "",
            api_group=self.catalog.group_of(resource) if group is None else group,
            name=name or "",
            namespace=namespace,
        )

    def candidate_roles(self, req: Request) -> list[Role]:
        """Roles that could grant the request (a superset; exact matching follows)."""
        if not req.is_resource:
            return self._url_roles
        keys: set[RoleKey] = set()
        resources = [req.combined_resource, "*"]
        if req.subresource:
            resources.append(f"*/{req.subresource}")
        for v in (req.verb, "*"):
            for r in resources:
                found = self._tokens.get((v, r))
                if found:
                    keys |= found
        return [self.roles[k] for k in sorted(keys, key=lambda k: (k[0], k[1] or "", k[2]))]

    @staticmethod
    def _holds(grant: Grant, namespace: str | None) -> bool:
        if namespace == ALL_NAMESPACES:
            return True
        return grant.scope is None or (namespace is not None and grant.scope == namespace)

    def grants_for(self, identity: Identity) -> list[Grant]:
        """Every grant whose binding names the identity's user name or one of its groups."""
        seen: dict[int, Grant] = {}
        keys = [("User", identity.username)] if identity.username else []
        keys += [("Group", g) for g in identity.groups]
        for key in keys:
            for g in self._by_key.get(key, ()):
                seen.setdefault(id(g), g)
        return list(seen.values())

    # -- queries --------------------------------------------------------------------------

    def who_can(
        self,
        verb: str,
        resource: str,
        namespace: str | None = None,
        name: str | None = None,
        subresource: str | None = None,
        group: str | None = None,
    ) -> list[SubjectAccess]:
        """Subjects (as bindings name them; groups not expanded) allowed to make the request.

        ``namespace`` None asks about a cluster-wide request, ``ALL_NAMESPACES`` about any
        namespace (each chain says where it holds). ``system:masters`` always appears.
        """
        return self.who_can_request(
            self.request(verb, resource, namespace, name, subresource, group)
        )

    def who_can_request(self, req: Request) -> list[SubjectAccess]:
        """``who_can`` for a prepared Request (resource or non-resource)."""
        found: dict[Subject, dict[tuple[str, str], Via]] = defaultdict(dict)
        found[MASTERS_SUBJECT][(BUILTIN_BINDING, MASTERS_ROLE)] = Via(
            BUILTIN_BINDING, MASTERS_ROLE, (ALL_NAMESPACES,)
        )
        holds_everywhere = req.namespace == ALL_NAMESPACES
        for role in self.candidate_roles(req):
            rule = rules_allow(role.rules, req)
            if rule is None:
                continue
            role_label = role.display()
            for grant in self._by_role.get(role.key, ()):
                scope = grant.binding.scope
                if not (holds_everywhere or scope is None or scope == req.namespace):
                    continue
                label = grant.binding.display()
                via = Via(label, role_label, grant.namespaces, rule)
                for s in grant.binding.subjects:
                    found[s].setdefault((label, role_label), via)
        out = [
            SubjectAccess(s, tuple(sorted(v.values(), key=lambda x: (x.binding, x.role))))
            for s, v in found.items()
        ]
        out.sort(
            key=lambda a: (
                _KIND_ORDER.get(a.subject.kind, 9),
                a.subject.namespace or "",
                a.subject.name,
            )
        )
        return out

    def allows(self, identity: Identity, req: Request) -> Via | None:
        """Whether the identity may make the request, and the first chain that allows it."""
        if identity.all_powerful:
            return Via(BUILTIN_BINDING, MASTERS_ROLE, (ALL_NAMESPACES,))
        for grant in self.grants_for(identity):
            if not self._holds(grant, req.namespace):
                continue
            rule = rules_allow(grant.role.rules, req)
            if rule is not None:
                return Via(grant.binding.display(), grant.role.display(), grant.namespaces, rule)
        return None

    def can(self, identity: Identity) -> list[Grant]:
        """Everything the identity may do: its grants, sorted by scope then binding."""
        grants = self.grants_for(identity)
        grants.sort(key=lambda g: (g.scope or "", g.binding.display()))
        return grants

    def role(self, key: RoleKey) -> Role | None:
        """A role by key."""
        return self.roles.get(key)

    def describe_unresolved(self) -> list[str]:
        """One line per binding whose role is not in view."""
        return [
            f"{b.display()} references {display_key(b.role_ref)}, which is not in the inventory"
            for b in self.unresolved
        ]


def build_index(
    inventory: Inventory | Iterable[Resource], catalog: ResourceCatalog | None = None
) -> PermissionIndex:
    """Parse and index every RBAC object of an inventory (or any iterable of resources)."""
    resources = list(inventory)
    parsed = parse_rbac(resources)
    if catalog is None:
        catalog = ResourceCatalog(inventory if isinstance(inventory, Inventory) else None)
    return PermissionIndex(parsed.roles, parsed.bindings, parsed.errors, catalog)
