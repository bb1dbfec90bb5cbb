"""Endpoints of the reachability model: workloads with their labels, namespace and ports.

A workload is one pod template (a Pod, or the template of a Deployment, StatefulSet, …): all
its replicas share labels and ports, so they share their connectivity. Named ports come from
the regular containers' ``ports`` (name, protocol defaulting to TCP, number); a name declared
twice keeps its last declaration.
"""

from __future__ import annotations

from dataclasses import dataclass

from stockade.inventory import Inventory, PodTemplate
from stockade.network.policy import NamedPorts
from stockade.network.ports import PROTOCOLS

# A PodTemplate object describes pods but runs none.
_NOT_RUNNING = frozenset({"PodTemplate"})


@dataclass(frozen=True, slots=True, eq=False)
class Workload:
    """One endpoint: a pod template and what the network model needs of it."""

    id: str
    kind: str
    name: str
    namespace: str
    labels: dict[str, str]
    named_ports: NamedPorts
    host_network: bool
    template: PodTemplate


def named_ports(template: PodTemplate) -> NamedPorts:
    """(name, protocol, number) of the named container ports of regular containers."""
    found: dict[str, tuple[str, int]] = {}
    for c in template.containers():
        if c.kind != "container":
            continue
        for p in c.list_field("ports"):
            if not isinstance(p, dict):
                continue
            name, num = p.get("name"), p.get("containerPort")
            proto = str(p.get("protocol") or "TCP")
            if isinstance(name, str) and name and isinstance(num, int) and proto in PROTOCOLS:
                found[name] = (proto, num)
    return tuple(sorted((n, proto, num) for n, (proto, num) in found.items()))


def workloads(inventory: Inventory) -> list[Workload]:
    """Every workload in the inventory, sorted by id.

    Ids are ``namespace/name``; when two kinds share a name in one namespace the ids become
    ``namespace/Kind/name`` for those.
    """
    templates = [t for t in inventory.pod_templates() if t.resource.kind not in _NOT_RUNNING]
    counts: dict[tuple[str, str], int] = {}
    for t in templates:
        key = (t.namespace, t.resource.name)
        counts[key] = counts.get(key, 0) + 1
    out: list[Workload] = []
    seen: set[str] = set()
    for t in templates:
        ns, name, kind = t.namespace, t.resource.name, t.resource.kind
        wid = f"{ns}/{name}" if counts[(ns, name)] == 1 else f"{ns}/{kind}/{name}"
        if wid in seen:  # the same object loaded twice: keep the first
            continue
        seen.add(wid)
        out.append(
            Workload(
                id=wid,
                kind=kind,
                name=name,
                namespace=ns,
                labels=t.labels,
                named_ports=named_ports(t),
                host_network=t.spec.get("hostNetwork") is True,
                template=t,
            )
        )
    out.sort(key=lambda w: w.id)
    return out
