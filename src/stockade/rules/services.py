"""Service exposure rules: NodePorts and LoadBalancers open to the internet.

Spec: Service ``spec.type`` and ``spec.loadBalancerSourceRanges``; the cloud annotations that
make a LoadBalancer internal (AWS, GCP, Azure, OCI) mean it is not open to the internet.
"""

from __future__ import annotations

from collections.abc import Iterator

from stockade.inventory.resource import Resource
from stockade.model import Category, Severity, Violation
from stockade.rules.registry import RuleContext, Target, rule

OPEN_RANGES = frozenset({"0.0.0.0/0", "::/0"})
INTERNAL_LB_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": {"true", "0.0.0.0/0"},
    "service.beta.kubernetes.io/aws-load-balancer-scheme": {"internal"},
    "networking.gke.io/load-balancer-type": {"Internal"},
    "cloud.google.com/load-balancer-type": {"Internal", "internal"},
    "service.beta.kubernetes.io/azure-load-balancer-internal": {"true"},
    "service.beta.kubernetes.io/oci-load-balancer-internal": {"true"},
}


@rule(
    id="service-nodeport",
    title="Service exposed on every node (NodePort)",
    severity=Severity.MEDIUM,
    category=Category.NETWORK,
    target=Target.RESOURCE,
    kinds={"Service"},
    remediation="""Use a ClusterIP Service behind an Ingress or an internal LoadBalancer. A NodePort
    opens the port on every node's addresses, usually outside any NetworkPolicy or firewall
    review.""",
)
def service_nodeport(res: Resource, ctx: RuleContext) -> Iterator[Violation]:
    """spec.type is NodePort."""
    if res.spec.get("type") == "NodePort":
        ports = [
            str(p.get("nodePort", "auto"))
            for p in res.spec.get("ports") or []
            if isinstance(p, dict)
        ]
        yield Violation(
            f"Service is exposed on every node (NodePort {', '.join(ports) or 'auto'})",
            ("spec", "type"),
        )


def is_internal_lb(res: Resource) -> bool:
    """Whether a cloud annotation makes the LoadBalancer internal."""
    ann = res.annotations
    return any(ann.get(k) in values for k, values in INTERNAL_LB_ANNOTATIONS.items())


@rule(
    id="service-loadbalancer-open",
    title="LoadBalancer open to any source address",
    severity=Severity.HIGH,
    category=Category.NETWORK,
    target=Target.RESOURCE,
    kinds={"Service"},
    remediation="""Set spec.loadBalancerSourceRanges to the address ranges that need access, or make
    the load balancer internal with your cloud's annotation. Without it the service is reachable
    from the whole internet.""",
)
def service_loadbalancer_open(res: Resource, ctx: RuleContext) -> Iterator[Violation]:
    """A LoadBalancer without loadBalancerSourceRanges (or with 0.0.0.0/0) that is not internal."""
    if res.spec.get("type") != "LoadBalancer" or is_internal_lb(res):
        return
    ranges = res.spec.get("loadBalancerSourceRanges")
    if not isinstance(ranges, list) or not ranges:
        yield Violation(
            "LoadBalancer has no loadBalancerSourceRanges: open to the internet", ("spec", "type")
        )
        return
    for i, r in enumerate(ranges):
        if str(r).strip() in OPEN_RANGES:
            yield Violation(
                f"loadBalancerSourceRanges allows {r}: open to the internet",
                ("spec", "loadBalancerSourceRanges", i),
            )
