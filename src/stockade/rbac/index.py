"""The permission index: RBAC objects parsed, validated and cross-referenced once.

Queries are lookups: rules are filed by the (apiGroup, resource) they name
(`stockade.rbac.rulemap`), so ``who_can`` examines only the rules that could grant the request,
once per role, then fans each matching role out to its bindings and their subjects
(`stockade.rbac.answers`); those tables are built on the first such question. ``can`` follows
an identity's user name and groups to its bindings. Semantics are the authorizer's
(`stockade.rbac.match`, ``plugin/pkg/auth/authorizer/rbac``): a request in namespace N is
granted by ClusterRoleBindings and by RoleBindings in N; a cluster-wide request only by
ClusterRoleBindings; ``system:masters`` bypasses RBAC.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from functools import cached_property
from typing import NamedTuple

from stockade.inventory import Inventory, Resource
from stockade.memory import cyclic_gc_paused
from stockade.model import ScanError
from stockade.rbac.aggregate import resolve_aggregation
from stockade.rbac.answers import (
    ALL_NAMESPACES,
    BUILTIN_BINDING,
    MASTERS_ROLE,
    MASTERS_SUBJECT,
    AnswerBuilder,
    SubjectAccess,
    Via,
)
from stockade.rbac.match import Request, rules_allow
from stockade.rbac.parse import parse_rbac
from stockade.rbac.resources import ResourceCatalog
from stockade.rbac.rulemap import RuleIndex
from stockade.rbac.types import (
    Binding,
    Identity,
    Role,
    RoleKey,
    display_key,
)

__all__ = [
    "ALL_NAMESPACES",
    "BUILTIN_BINDING",
    "MASTERS_ROLE",
    "MASTERS_SUBJECT",
    "Grant",
    "PermissionIndex",
    "SubjectAccess",
    "Via",
    "build_index",
]

_ANSWER_CACHE_SIZE = 16


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
        for b in bindings:
            target = self.roles.get(b.role_ref)
            if target is None:
                self.unresolved.append(b)
                continue
            grant = Grant(b, target)
            self.grants.append(grant)
            for s in b.subjects:
                self._by_key[s.match_key].append(grant)
        self._answer_cache: dict[Request, tuple[SubjectAccess, ...]] = {}

    @cached_property
    def _who_can_tables(self) -> tuple[RuleIndex, AnswerBuilder]:
        """Rules filed by resource and each role's bindings in answer order: built on the first
        ``who_can``, since ``can``, ``allows``, the secrets matrix and the scan rules never read
        them (on 60,000 RBAC objects they are about a second and a hundred MB)."""
        with cyclic_gc_paused():
            return self._build_who_can_tables()

    def prepare_who_can(self) -> None:
        """Build what ``who_can`` reads now rather than on the first question."""
        self._who_can_tables  # noqa: B018 - built and cached on access

    def _build_who_can_tables(self) -> tuple[RuleIndex, AnswerBuilder]:
        """Number the roles that some binding uses, file their rules, and order the grants."""
        role_id: dict[int, int] = {}
        bound: list[Role] = []
        homes: list[str | None] = []
        numbered: list[tuple[Binding, int]] = []
        for grant in self.grants:
            key = id(grant.role)  # one object per role key
            rid = role_id.get(key)
            scope = grant.binding.scope
            if rid is None:
                rid = role_id[key] = len(bound)
                bound.append(grant.role)
                homes.append(scope)
            elif homes[rid] != scope:
                # Bindings in more than one place (or cluster-wide): asked about everywhere.
                homes[rid] = None
            numbered.append((grant.binding, rid))
        return RuleIndex([r.rules for r in bound], homes), AnswerBuilder(numbered, bound)

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
        cached = self._answer_cache.get(req)
        if cached is None:
            rule_index, answers = self._who_can_tables
            # A large answer is tens of thousands of small tuples, none of them cyclic.
            with cyclic_gc_paused():
                matches = rule_index.matching(req, req.namespace)
                cached = tuple(answers.answer(matches, req.namespace))
            if len(self._answer_cache) >= _ANSWER_CACHE_SIZE:
                del self._answer_cache[next(iter(self._answer_cache))]
            self._answer_cache[req] = cached
        return list(cached)

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
    with cyclic_gc_paused():
        parsed = parse_rbac(resources)
        if catalog is None:
            catalog = ResourceCatalog(inventory if isinstance(inventory, Inventory) else None)
        return PermissionIndex(parsed.roles, parsed.bindings, parsed.errors, catalog)
