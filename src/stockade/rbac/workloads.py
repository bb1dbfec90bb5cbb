"""Each workload -> its service account -> what an attacker who compromises it gets.

A compromised container holds the service account's token when it is mounted
(``automountServiceAccountToken`` on the pod wins over the ServiceAccount's, default true).
What the token grants is the account's RBAC access, summarised as risky capabilities with
their chains, plus the secrets it reads directly.
"""

from __future__ import annotations

from dataclasses import dataclass

from stockade.inventory import Inventory, PodTemplate
from stockade.rbac.access import CapsCache
from stockade.rbac.capabilities import risk_of
from stockade.rbac.index import ALL_NAMESPACES, PermissionIndex
from stockade.rbac.secrets import SecretCatalog, secret_matrix
from stockade.rbac.types import Identity


@dataclass(frozen=True, slots=True)
class Capability:
    """A risky capability, where it holds, how it is granted and why it matters."""

    capability: str
    namespace: str
    via: str
    risk: str

    def to_json(self) -> dict[str, str]:
        """The JSON shape."""
        return {
            "capability": self.capability,
            "namespace": self.namespace,
            "via": self.via,
            "risk": self.risk,
        }


@dataclass(frozen=True, slots=True)
class WorkloadAccess:
    """One workload's service account and what its token grants."""

    workload: str
    namespace: str
    service_account: str
    token_mounted: bool
    grants: int
    capabilities: tuple[Capability, ...]
    secrets: tuple[str, ...]
    """``namespace/name`` of secrets the account reads directly."""

    def to_json(self) -> dict[str, object]:
        """The JSON shape."""
        return {
            "workload": self.workload,
            "namespace": self.namespace,
            "serviceAccount": self.service_account,
            "tokenMounted": self.token_mounted,
            "bindings": self.grants,
            "capabilities": [c.to_json() for c in self.capabilities],
            "secrets": list(self.secrets),
        }


def token_mounted(pt: PodTemplate, inventory: Inventory) -> bool:
    """Whether the pods get the service account token (pod setting first, then the account's)."""
    pod = pt.spec.get("automountServiceAccountToken")
    if isinstance(pod, bool):
        return pod
    sa = inventory.get("ServiceAccount", pt.namespace, pt.service_account)
    value = sa.obj.get("automountServiceAccountToken") if sa is not None else None
    return value if isinstance(value, bool) else True


def workload_access(index: PermissionIndex, inventory: Inventory) -> list[WorkloadAccess]:
    """One entry per pod template, sorted by namespace and workload."""
    cache = CapsCache(index)
    catalog = SecretCatalog.from_inventory(inventory)
    out: list[WorkloadAccess] = []
    per_sa: dict[Identity, tuple[int, tuple[Capability, ...], tuple[str, ...]]] = {}
    for pt in inventory.pod_templates():
        ident = Identity.service_account(pt.namespace, pt.service_account)
        if ident not in per_sa:
            acc = cache.access(ident)
            caps: list[Capability] = []
            if acc.all_powerful:
                caps.append(Capability("cluster-admin", ALL_NAMESPACES, "system:masters", ""))
            for scope, sa in sorted(acc.scopes.items(), key=lambda kv: kv[0] or ""):
                for cap, via in sorted(sa.caps.items()):
                    caps.append(Capability(cap, scope or ALL_NAMESPACES, via, risk_of(cap)))
            secrets = tuple(
                f"{c.namespace}/{c.secret}"
                for c in secret_matrix(index, inventory, [ident], catalog)
                if c.access == "direct"
            )
            per_sa[ident] = (len(index.grants_for(ident)), tuple(caps), secrets)
        grants, caps_t, secrets_t = per_sa[ident]
        out.append(
            WorkloadAccess(
                workload=f"{pt.resource.kind}/{pt.resource.name}",
                namespace=pt.namespace,
                service_account=pt.service_account,
                token_mounted=token_mounted(pt, inventory),
                grants=grants,
                capabilities=caps_t,
                secrets=secrets_t,
            )
        )
    out.sort(key=lambda w: (w.namespace, w.workload))
    return out
