"""Which identity can read which secret, directly or indirectly, and how.

- **direct**: get, list or watch on the secret (all secrets of the namespace, cluster-wide, or by
  ``resourceNames``).
- **indirect**, each with its chain:
  - ``create-pods`` / ``write-workloads`` in the namespace: a pod can mount any secret there;
  - ``exec`` (pods/exec or pods/attach) in the namespace, when a pod there uses the secret
    (by pod name when the rule has ``resourceNames``);
  - ``impersonate``: acting as another identity, ``system:masters`` included;
  - ``escalate`` / ``bind`` on roles in the namespace: granting oneself the access;
  - ``token-create`` (serviceaccounts/token) in the namespace, when a service account there can
    read the secret directly;
  - ``node-proxy`` (cluster-wide): the kubelet API reaches every pod that uses the secret.

Secret *values* are never read: the matrix names secrets only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from stockade.inventory import Inventory
from stockade.rbac.access import CapsCache, IdentityAccess, ScopeAccess
from stockade.rbac.index import PermissionIndex
from stockade.rbac.mounts import secrets_used
from stockade.rbac.types import Identity, Subject

DIRECT_CAPS = ("secrets-get", "secrets-list")
WHOLE_NAMESPACE_PATHS = ("create-pods", "write-workloads", "impersonate", "escalate")


class SecretAccess(NamedTuple):
    """One cell of the matrix: an identity's access to one secret."""

    identity: Identity
    namespace: str
    secret: str
    access: str  # "direct" or "indirect"
    how: tuple[str, ...]

    def to_json(self) -> dict[str, object]:
        """The JSON shape."""
        return {
            "identity": self.identity.display(),
            "namespace": self.namespace,
            "secret": self.secret,
            "access": self.access,
            "how": list(self.how),
        }


@dataclass(slots=True)
class SecretCatalog:
    """Secrets in view (Secret objects and secrets pods refer to) and the pods that use them."""

    by_namespace: dict[str, list[str]]
    used_by: dict[tuple[str, str], set[str]]
    """(namespace, secret) -> names of the workloads that use it."""

    @classmethod
    def from_inventory(cls, inventory: Inventory) -> SecretCatalog:
        """Collect secrets and their users."""
        names: dict[str, set[str]] = defaultdict(set)
        used_by: dict[tuple[str, str], set[str]] = defaultdict(set)
        for res in inventory.of_kind("Secret"):
            names[res.effective_namespace()].add(res.name)
        for pt in inventory.pod_templates():
            for secret in secrets_used(pt):
                names[pt.namespace].add(secret)
                used_by[(pt.namespace, secret)].add(pt.resource.name)
        return cls({ns: sorted(v) for ns, v in sorted(names.items())}, dict(used_by))


def identities_in_view(index: PermissionIndex, inventory: Inventory | None) -> list[Identity]:
    """Every subject a binding names, and every service account an inventory declares or uses."""
    found: dict[str, Identity] = {}

    def add(ident: Identity) -> None:
        found.setdefault(ident.display(), ident)

    subjects: set[Subject] = {s for b in index.bindings for s in b.subjects}
    for s in sorted(subjects):
        if s.kind == "ServiceAccount" and s.namespace:
            add(Identity.service_account(s.namespace, s.name))
        elif s.kind == "Group":
            add(Identity.group(s.name))
        else:
            add(Identity.user(s.name))
    if inventory is not None:
        for res in inventory.of_kind("ServiceAccount"):
            add(Identity.service_account(res.effective_namespace(), res.name))
        for pt in inventory.pod_templates():
            add(Identity.service_account(pt.namespace, pt.service_account))
    return sorted(found.values(), key=lambda i: i.display())


class _NamespacePaths:
    """An identity's paths to the secrets of one namespace, computed once per namespace."""

    def __init__(self, access: IdentityAccess, cluster: ScopeAccess, ns: ScopeAccess | None):
        def cap(name: str) -> str | None:
            return cluster.caps.get(name) or (ns.caps.get(name) if ns else None)

        self.direct = tuple(f"{c} ({ev})" for c in DIRECT_CAPS if (ev := cap(c)))
        self.names = dict(cluster.secret_names)
        self.exec_pods = dict(cluster.exec_pods)
        if ns is not None:
            for k, v in ns.secret_names.items():
                self.names.setdefault(k, v)
            for k, v in ns.exec_pods.items():
                self.exec_pods.setdefault(k, v)
        whole = [f"{c} ({ev})" for c in WHOLE_NAMESPACE_PATHS if (ev := cap(c))]
        bind, writes = cap("bind"), cap("write-bindings")
        if bind and writes:
            whole.append(f"bind ({bind}; {writes})")
        self.whole = tuple(whole)
        self.exec = cap("exec")
        self.token = cap("token-create")
        self.node_proxy = cluster.caps.get("node-proxy")
        self.per_secret = bool(
            self.names or self.exec or self.exec_pods or self.token or self.node_proxy
        )
        self.any = bool(
            self.direct
            or self.names
            or self.whole
            or self.exec
            or self.exec_pods
            or self.token
            or self.node_proxy
        )


def secret_matrix(
    index: PermissionIndex,
    inventory: Inventory,
    identities: list[Identity] | None = None,
    catalog: SecretCatalog | None = None,
) -> Iterator[SecretAccess]:
    """Every (identity, secret) pair with some access, direct or indirect, and how."""
    cache = CapsCache(index)
    catalog = catalog or SecretCatalog.from_inventory(inventory)
    idents = identities if identities is not None else identities_in_view(index, inventory)
    accesses = [cache.access(i) for i in idents]
    sa_readers = _service_account_readers(accesses, catalog)
    for acc in accesses:
        yield from _cells(acc, catalog, sa_readers)


def _service_account_readers(
    accesses: list[IdentityAccess], catalog: SecretCatalog
) -> dict[str, set[tuple[str, str]]]:
    """namespace -> secrets some service account of that namespace reads directly."""
    out: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for acc in accesses:
        ident = acc.identity
        if ident.kind != "ServiceAccount" or ident.namespace is None:
            continue
        for cell in _cells(acc, catalog, {}, direct_only=True):
            out[ident.namespace].add((cell.namespace, cell.secret))
    return out


def _cells(
    acc: IdentityAccess,
    catalog: SecretCatalog,
    sa_readers: dict[str, set[tuple[str, str]]],
    direct_only: bool = False,
) -> Iterator[SecretAccess]:
    ident = acc.identity
    if acc.all_powerful:
        for ns, names in catalog.by_namespace.items():
            for name in names:
                yield SecretAccess(ident, ns, name, "direct", ("system:masters",))
        return
    if not acc.scopes:
        return
    cluster = acc.cluster()
    namespaces = (
        list(catalog.by_namespace)
        if cluster
        else [ns for ns in acc.scopes if ns is not None and ns in catalog.by_namespace]
    )
    # Namespaces without a grant of their own share the cluster-wide paths.
    shared = _NamespacePaths(acc, cluster, None) if cluster else None
    for ns in namespaces:
        scope = acc.scopes.get(ns)
        paths = (
            shared if scope is None and shared is not None else _NamespacePaths(acc, cluster, scope)
        )
        if not paths.any:
            continue
        names = catalog.by_namespace[ns]
        if paths.direct:
            for name in names:
                yield SecretAccess(ident, ns, name, "direct", paths.direct)
            continue
        if direct_only:
            for name in names:
                if name in paths.names:
                    yield SecretAccess(ident, ns, name, "direct", (paths.names[name],))
            continue
        if not paths.per_secret:
            for name in names:
                yield SecretAccess(ident, ns, name, "indirect", paths.whole)
            continue
        readers = sa_readers.get(ns, set())
        for name in names:
            if name in paths.names:
                yield SecretAccess(
                    ident, ns, name, "direct", (f"get {name} by name ({paths.names[name]})",)
                )
                continue
            how = list(paths.whole)
            users = catalog.used_by.get((ns, name))
            if users:
                if paths.exec:
                    how.append(f"exec into {', '.join(sorted(users))} ({paths.exec})")
                else:
                    named = sorted(users & paths.exec_pods.keys())
                    if named:
                        how.append(f"exec into {', '.join(named)} ({paths.exec_pods[named[0]]})")
                if paths.node_proxy:
                    how.append(f"node-proxy ({paths.node_proxy})")
            if paths.token and (ns, name) in readers:
                how.append(f"token-create for a service account that reads it ({paths.token})")
            if how:
                yield SecretAccess(ident, ns, name, "indirect", tuple(how))
