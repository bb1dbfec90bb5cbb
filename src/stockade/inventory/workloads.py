"""Who runs what: workloads with their managers, images, service accounts and exposure.

Exposure is what routes traffic to a workload: Services whose selector matches its pod labels
in its namespace, and Ingresses whose rules or default backend name one of those Services.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from stockade.inventory.index import Inventory
from stockade.inventory.podspec import PodTemplate
from stockade.inventory.resource import Resource
from stockade.inventory.selectors import selector_matches
from stockade.sources.live import last_change


@dataclass(frozen=True, slots=True)
class Exposure:
    """One Service or Ingress that sends traffic to a workload."""

    kind: str
    namespace: str
    name: str
    detail: str
    """``ClusterIP 80/TCP``, ``LoadBalancer 443/TCP``, or the Ingress hosts."""

    def to_json(self) -> dict[str, Any]:
        """The JSON shape."""
        return {
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "detail": self.detail,
        }


@dataclass(slots=True)
class WorkloadSummary:
    """A workload as `stockade inventory` lists it."""

    kind: str
    namespace: str
    name: str
    images: list[str]
    service_account: str
    managers: list[str]
    last_change: dict[str, Any] | None
    exposure: list[Exposure] = field(default_factory=list)
    live: bool = False

    def to_json(self) -> dict[str, Any]:
        """The JSON contract shape (docs/cluster.md)."""
        return {
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
            "images": self.images,
            "serviceAccount": self.service_account,
            "managers": self.managers,
            "lastChange": self.last_change,
            "exposure": [e.to_json() for e in self.exposure],
            "live": self.live,
        }


def managers(res: Resource) -> list[str]:
    """Every field manager of an object, sorted."""
    fields = res.metadata.get("managedFields")
    if not isinstance(fields, list):
        return []
    return sorted({str(e["manager"]) for e in fields if isinstance(e, dict) and e.get("manager")})


def _ports(svc: Resource) -> str:
    out = []
    for p in svc.spec.get("ports") or ():
        if isinstance(p, dict):
            out.append(f"{p.get('port')}/{p.get('protocol') or 'TCP'}")
    return " ".join(out)


def _ingress_services(ing: Resource) -> set[str]:
    names: set[str] = set()
    backends: list[Any] = [ing.spec.get("defaultBackend")]
    for rule in ing.spec.get("rules") or ():
        http = rule.get("http") if isinstance(rule, dict) else None
        for path in (http or {}).get("paths") or () if isinstance(http, dict) else ():
            if isinstance(path, dict):
                backends.append(path.get("backend"))
    for b in backends:
        svc = b.get("service") if isinstance(b, dict) else None
        if isinstance(svc, dict) and isinstance(svc.get("name"), str):
            names.add(svc["name"])
        elif isinstance(b, dict) and isinstance(b.get("serviceName"), str):
            names.add(b["serviceName"])  # extensions/v1beta1 shape
    return names


def _hosts(ing: Resource) -> str:
    hosts = sorted(
        {
            str(r["host"])
            for r in ing.spec.get("rules") or ()
            if isinstance(r, dict) and r.get("host")
        }
    )
    return " ".join(hosts) or "*"


def _exposure(
    pt: PodTemplate,
    services: dict[str, list[Resource]],
    ingresses: dict[tuple[str, str], list[Resource]],
) -> list[Exposure]:
    out: list[Exposure] = []
    labels = pt.labels
    for svc in services.get(pt.namespace, ()):
        sel = svc.spec.get("selector")
        if not isinstance(sel, dict) or not sel:
            continue
        if not selector_matches({"matchLabels": sel}, labels):
            continue
        kind = str(svc.spec.get("type") or "ClusterIP")
        out.append(Exposure("Service", pt.namespace, svc.name, f"{kind} {_ports(svc)}".strip()))
        for ing in ingresses.get((pt.namespace, svc.name), ()):
            out.append(Exposure("Ingress", pt.namespace, ing.name, _hosts(ing)))
    return sorted(set(out), key=lambda e: (e.kind, e.name))


def summarise_workloads(inv: Inventory) -> list[WorkloadSummary]:
    """Every pod-bearing resource, sorted by namespace, kind and name."""
    ingresses: dict[tuple[str, str], list[Resource]] = defaultdict(list)
    for ing in inv.of_kind("Ingress"):
        for name in _ingress_services(ing):
            ingresses[(ing.effective_namespace(), name)].append(ing)
    services: dict[str, list[Resource]] = defaultdict(list)
    for svc in inv.of_kind("Service"):
        services[svc.effective_namespace()].append(svc)
    out = []
    for pt in inv.pod_templates():
        res = pt.resource
        images = [c.image for c in pt.containers() if c.image]
        out.append(
            WorkloadSummary(
                kind=res.kind,
                namespace=pt.namespace,
                name=res.name,
                images=list(dict.fromkeys(images)),
                service_account=pt.service_account,
                managers=managers(res),
                last_change=last_change(res.obj),
                exposure=_exposure(pt, services, ingresses),
                live=res.origin.live,
            )
        )
    return sorted(out, key=lambda w: (w.namespace, w.kind, w.name))
