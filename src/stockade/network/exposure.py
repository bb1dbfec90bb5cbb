"""Exposure: what outside the cluster can reach a workload, and what it can reach outside.

Two sources of exposure are combined per workload:

* NetworkPolicy: the address ranges outside the cluster allowed in by the workload's ingress
  and out by its egress (no policy in a direction = the whole internet, every port).
* Entry points: Services of type LoadBalancer or NodePort that select the workload, and
  Ingresses whose backends are Services selecting it. Their ports are resolved to the
  workload's container ports (``targetPort``, named target ports per pod).

A Service entry point counts as *open* when the workload's ingress allows some outside
address on at least one of those ports; an Ingress entry point when it allows some source
(the ingress controller's pods, or outside addresses) on one of them. Load balancers may rewrite the client address (SNAT), so an
``ipBlock`` allowance is taken as the gate it is meant to be; Ingress traffic arrives from the
ingress controller's pods, which the inventory may not contain.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stockade.inventory import Resource
from stockade.network.endpoints import Workload
from stockade.network.model import AddressPorts, NetworkModel
from stockade.network.ports import NO_PORTS, PortSet, union_all

EXPOSING_SERVICE_TYPES = frozenset({"LoadBalancer", "NodePort"})


@dataclass(frozen=True, slots=True)
class EntryPoint:
    """A Service or Ingress that brings outside traffic to a workload."""

    resource: Resource
    via: str  # "LoadBalancer", "NodePort" or "Ingress"
    ports: PortSet
    open: bool

    def to_json(self) -> dict[str, Any]:
        """Machine form."""
        return {
            "kind": self.resource.kind,
            "namespace": self.resource.effective_namespace(),
            "name": self.resource.name,
            "via": self.via,
            "ports": self.ports.labels(),
            "open": self.open,
        }


@dataclass(slots=True)
class Exposure:
    """Everything outside-facing about one workload."""

    workload: Workload
    ingress: AddressPorts
    egress: AddressPorts
    entry_points: list[EntryPoint] = field(default_factory=list)


def _service_selects(service: Resource, w: Workload) -> bool:
    sel = service.spec.get("selector")
    if not isinstance(sel, dict) or not sel or service.effective_namespace() != w.namespace:
        return False
    return all(w.labels.get(str(k)) == str(v) for k, v in sel.items())


def _target_ports(service: Resource, w: Workload, only: Any = None) -> PortSet:
    """Container ports of ``w`` that the Service forwards to (``only``: one service port)."""
    found: list[PortSet] = []
    for p in service.spec.get("ports") or []:
        if not isinstance(p, dict):
            continue
        if only is not None and only not in (p.get("port"), p.get("name")):
            continue
        proto = str(p.get("protocol") or "TCP")
        if proto not in ("TCP", "UDP", "SCTP"):
            continue
        target = p.get("targetPort", p.get("port"))
        if isinstance(target, str) and target.isdigit():
            target = int(target)
        if isinstance(target, int):
            found.append(PortSet.of(proto, target, target))
        elif isinstance(target, str):
            found.extend(
                PortSet.of(proto, num, num)
                for name, pp, num in w.named_ports
                if name == target and pp == proto
            )
    return union_all(found)


def _ingress_backends(ing: Resource) -> list[tuple[str, Any]]:
    """(service name, service port number or name) of every backend of an Ingress."""
    out: list[tuple[str, Any]] = []

    def add(backend: Any) -> None:
        if not isinstance(backend, dict):
            return
        svc = backend.get("service")
        if isinstance(svc, dict) and isinstance(svc.get("name"), str):
            raw_port = svc.get("port")
            port: dict[str, Any] = raw_port if isinstance(raw_port, dict) else {}
            out.append((svc["name"], port.get("number", port.get("name"))))
        elif isinstance(backend.get("serviceName"), str):  # extensions/v1beta1
            out.append((backend["serviceName"], backend.get("servicePort")))

    spec = ing.spec
    add(spec.get("defaultBackend") or spec.get("backend"))
    for rule in spec.get("rules") or []:
        http = rule.get("http") if isinstance(rule, dict) else None
        paths = http.get("paths") if isinstance(http, dict) else None
        for path in paths if isinstance(paths, list) else []:
            if isinstance(path, dict):
                add(path.get("backend"))
    return out


def _allows_outside(ingress: AddressPorts, ports: PortSet) -> bool:
    return any(ports & allowed for _, allowed in ingress)


def exposure(model: NetworkModel, only: Iterable[Workload] | None = None) -> list[Exposure]:
    """Exposure of every workload (or of ``only`` those), in workload order."""
    inv = model.inventory
    services: dict[str, list[Resource]] = defaultdict(list)
    for svc in inv.of_kind("Service"):
        services[svc.effective_namespace()].append(svc)
    ingresses: dict[str, list[Resource]] = defaultdict(list)
    for ing in inv.of_kind("Ingress"):
        ingresses[ing.effective_namespace()].append(ing)
    out: list[Exposure] = []
    for w in model.workloads if only is None else only:
        g = model.group_of[w.id]
        exp = Exposure(w, model.external_ingress(g), model.external_egress(g))
        for svc in services.get(w.namespace, ()):
            via = svc.spec.get("type")
            if via in EXPOSING_SERVICE_TYPES and _service_selects(svc, w):
                ports = _target_ports(svc, w)
                exp.entry_points.append(
                    EntryPoint(svc, str(via), ports, _allows_outside(exp.ingress, ports))
                )
        for ing in ingresses.get(w.namespace, ()):
            ports = NO_PORTS
            for name, port in _ingress_backends(ing):
                backend = inv.get("Service", w.namespace, name)
                if backend is not None and _service_selects(backend, w):
                    ports = ports | _target_ports(backend, w, port)
            if ports:
                reachable = _allows_outside(exp.ingress, ports) or any(
                    model.ingress_ports(src, g) & ports for src in model.groups
                )
                exp.entry_points.append(EntryPoint(ing, "Ingress", ports, reachable))
        out.append(exp)
    return out
