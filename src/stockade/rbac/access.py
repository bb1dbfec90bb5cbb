"""What one identity may do, summarised per scope (cluster-wide or one namespace).

Built from the identity's grants and each role's capabilities (computed once per role and
cached on the index), so the secrets matrix and the workload view cost one pass per identity,
not one authorizer evaluation per identity and object.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from stockade.rbac.capabilities import RoleCaps, role_caps
from stockade.rbac.index import Grant, PermissionIndex
from stockade.rbac.types import Identity, RoleKey

CLUSTER: str | None = None


@dataclass(slots=True)
class ScopeAccess:
    """Capabilities in one scope, each with the first chain that grants it."""

    caps: dict[str, str] = field(default_factory=dict)
    """capability -> ``Binding -> Role`` evidence."""
    secret_names: dict[str, str] = field(default_factory=dict)
    exec_pods: dict[str, str] = field(default_factory=dict)

    def merge(self, caps: RoleCaps, evidence: str) -> None:
        """Add a role's capabilities (first evidence wins)."""
        for cap in caps.flags:
            self.caps.setdefault(cap, evidence)
        for name in caps.secret_names:
            self.secret_names.setdefault(name, evidence)
        for name in caps.exec_pods:
            self.exec_pods.setdefault(name, evidence)

    def __bool__(self) -> bool:
        return bool(self.caps or self.secret_names or self.exec_pods)


@dataclass(slots=True)
class IdentityAccess:
    """An identity's capabilities by scope (``None`` = cluster-wide, else a namespace)."""

    identity: Identity
    scopes: dict[str | None, ScopeAccess]
    all_powerful: bool = False

    def cluster(self) -> ScopeAccess:
        """Cluster-wide capabilities (they hold in every namespace too)."""
        return self.scopes.get(CLUSTER) or ScopeAccess()

    def cap_in(self, cap: str, namespace: str) -> str | None:
        """Evidence for a capability in a namespace (cluster-wide grants count), or None."""
        if self.all_powerful:
            return "system:masters"
        found = self.cluster().caps.get(cap)
        if found is None and namespace in self.scopes:
            found = self.scopes[namespace].caps.get(cap)
        return found


class CapsCache:
    """Role capabilities computed once per role for an index."""

    def __init__(self, index: PermissionIndex) -> None:
        self.index = index
        self._caps: dict[RoleKey, RoleCaps] = {}

    def caps(self, grant: Grant) -> RoleCaps:
        """Capabilities of the grant's role."""
        key = grant.role.key
        found = self._caps.get(key)
        if found is None:
            found = self._caps[key] = role_caps(grant.role)
        return found

    def access(self, identity: Identity) -> IdentityAccess:
        """Summarise an identity's grants by scope."""
        scopes: dict[str | None, ScopeAccess] = {}
        for grant in self.index.grants_for(identity):
            caps = self.caps(grant)
            if not (caps.flags or caps.secret_names or caps.exec_pods):
                continue
            evidence = f"{grant.binding.display()} -> {grant.role.display()}"
            scopes.setdefault(grant.scope, ScopeAccess()).merge(caps, evidence)
        return IdentityAccess(identity, scopes, identity.all_powerful)
