"""Network rules: NetworkPolicy coverage, internet egress, Ingress TLS, exposed dashboards.

Spec: ``networking.k8s.io/v1`` NetworkPolicy (isolation per pod and direction, policyTypes
defaulting, rules as allow-lists), Ingress ``spec.tls``/``spec.rules[].host``, and the
Kubernetes dashboard's ``--enable-skip-login``/``--enable-insecure-login`` flags. The
reachability model (`stockade.network.NetworkModel`) is built once per scan through
``ctx.memo`` and shared by every rule here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from stockade.inventory import Inventory, Resource
from stockade.model import Category, FieldPath, Severity, Violation
from stockade.network.addresses import AddressSet
from stockade.network.endpoints import Workload
from stockade.network.exposure import Exposure, exposure
from stockade.network.model import Group, NetworkModel
from stockade.network.policy import Policy
from stockade.network.ports import PortSet
from stockade.rules.registry import RuleContext, Target, rule

# Every IPv4 address outside private, loopback, link-local and shared ranges.
_PUBLIC_V4 = AddressSet.from_cidr(
    "0.0.0.0/0",
    [
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/3",
    ],
)
_ALL_TCP = PortSet.of("TCP")
_METADATA = "169.254.169.254"


def _model(inv: Inventory, ctx: RuleContext) -> NetworkModel:
    return ctx.memo("network-model", lambda: NetworkModel(inv))


def _looks_like_dashboard(labels: dict[str, str], images: Iterable[str | None]) -> bool:
    if labels.get("k8s-app") == "kubernetes-dashboard":
        return True
    return any(image and any(marker in image for marker in _DASHBOARD_IMAGES) for image in images)


def _dashboards(inv: Inventory, ctx: RuleContext) -> list[Exposure]:
    # NOTE: most inventories hold no dashboard; look at the pod templates before paying for
    # the reachability model and its exposure analysis.
    if not any(
        _looks_like_dashboard(pt.labels, (c.image for c in pt.containers()))
        for pt in inv.pod_templates()
    ):
        return []
    model = _model(inv, ctx)
    return ctx.memo(
        "network-dashboard-exposure",
        lambda: exposure(model, [w for w in model.workloads if _is_dashboard(w)]),
    )


def _denies_by_default(policy: Policy, direction: str) -> bool:
    """A policy that isolates every pod of its namespace without allowing everything."""
    rules = policy.rules(direction)
    if rules is None or not policy.pod_selector.selects_all:
        return False
    return not any(r.peers is None and r.ports is None for r in rules)


def _namespace_anchor(
    inv: Inventory, namespace: str, workloads: list[Workload]
) -> tuple[Resource, FieldPath]:
    ns = inv.get("Namespace", None, namespace)
    if ns is not None:
        return ns, ("metadata", "name")
    return workloads[0].template.resource, ("metadata", "namespace")


def _no_default_deny(inv: Inventory, ctx: RuleContext, direction: str) -> Iterator[Violation]:
    model = _model(inv, ctx)
    by_ns: dict[str, list[Workload]] = {}
    for w in model.workloads:
        by_ns.setdefault(w.namespace, []).append(w)
    for namespace, members in sorted(by_ns.items()):
        if any(
            p.namespace == namespace and _denies_by_default(p, direction) for p in model.policies
        ):
            continue
        group_attr = "ingress_isolated" if direction == "ingress" else "egress_isolated"
        open_ones = [w.id for w in members if not getattr(model.group_of[w.id], group_attr)]
        res, path = _namespace_anchor(inv, namespace, members)
        detail = (
            f"; {len(open_ones)} of {len(members)} workloads have no {direction} policy at all"
            if open_ones
            else ""
        )
        yield Violation(
            f"namespace {namespace!r} has no default-deny {direction} NetworkPolicy "
            f"(podSelector: {{}} with policyTypes {direction.capitalize()}){detail}",
            path=path,
            key=f"namespace={namespace}",
            resource=res,
        )


@rule(
    id="netpol-no-default-deny-ingress",
    title="Namespace without a default-deny ingress NetworkPolicy",
    severity=Severity.MEDIUM,
    category=Category.NETWORK,
    target=Target.INVENTORY,
    remediation="""Add a NetworkPolicy with podSelector: {} and policyTypes: [Ingress] and no
    ingress rules to every namespace with workloads, then allow the traffic each workload needs
    with narrower policies. Without it, any pod in the cluster can connect to new workloads.""",
)
def netpol_no_default_deny_ingress(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """Per namespace with workloads: no policy isolates every pod for ingress."""
    yield from _no_default_deny(inv, ctx, "ingress")


@rule(
    id="netpol-no-default-deny-egress",
    title="Namespace without a default-deny egress NetworkPolicy",
    severity=Severity.MEDIUM,
    category=Category.NETWORK,
    target=Target.INVENTORY,
    remediation="""Add a NetworkPolicy with podSelector: {} and policyTypes: [Egress] and no egress
    rules to every namespace with workloads, then allow DNS (UDP and TCP 53 to the DNS pods) and
    the destinations each workload needs. Without it, a compromised pod can reach every service
    and the internet, including the cloud metadata address.""",
)
def netpol_no_default_deny_egress(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """Per namespace with workloads: no policy isolates every pod for egress."""
    yield from _no_default_deny(inv, ctx, "egress")


@rule(
    id="netpol-pod-unselected",
    title="Workload not selected by any NetworkPolicy",
    severity=Severity.MEDIUM,
    category=Category.NETWORK,
    target=Target.INVENTORY,
    remediation="""Select the workload with a NetworkPolicy (a namespace-wide default deny, or one
    matching its labels) that allows only the traffic it needs. Unselected pods accept
    connections from every pod and address and can connect anywhere.""",
)
def netpol_pod_unselected(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """A workload that no policy selects, in either direction."""
    model = _model(inv, ctx)
    for w in model.workloads:
        g = model.group_of[w.id]
        if g.ingress_isolated or g.egress_isolated:
            continue
        yield Violation(
            f"{w.kind} {w.id} is selected by no NetworkPolicy: all ingress and egress allowed",
            path=(*w.template.meta_path, "labels"),
            key="unselected",
            resource=w.template.resource,
        )


@rule(
    id="netpol-selects-nothing",
    title="NetworkPolicy selects no workload",
    severity=Severity.LOW,
    category=Category.NETWORK,
    target=Target.INVENTORY,
    # Not in the shared mapping table: a policy that selects nothing leaves the pods it was
    # meant for uncovered, the gap CIS 5.3.2 and the NSA network-policy guidance describe.
    frameworks={"cis": ["5.3.2"], "nsa": ["NSA-NET-NETPOL"]},
    remediation="""Fix the policy's podSelector (labels are case-sensitive and must match the pod
    template labels, not the workload's own labels) or delete the policy. A policy that selects
    nothing protects nothing, often because of a typo.""",
)
def netpol_selects_nothing(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """A policy whose podSelector matches no workload in its namespace."""
    model = _model(inv, ctx)
    for p, targets in zip(model.policies, model.policy_targets, strict=True):
        if targets:
            continue
        yield Violation(
            f"NetworkPolicy {p.ref} selects no workload in the inventory "
            f"(podSelector {p.pod_selector.describe()}); pods created by operators are not seen",
            path=("spec", "podSelector"),
            key="selects-nothing",
            resource=p.resource,
        )


def _internet_egress(model: NetworkModel, g: Group) -> str | None:
    """The reason a group reaches every public address on every TCP port, or None."""
    egress = model.external_egress(g)
    covered = AddressSet()
    for addresses, ports in egress:
        if ports & _ALL_TCP == _ALL_TCP:
            covered = covered | addresses
    if not (_PUBLIC_V4 - covered).is_empty():
        return None
    why = (
        "no NetworkPolicy selects it for egress"
        if not g.egress_isolated
        else "its egress rules allow every public address (for example an ipBlock 0.0.0.0/0)"
    )
    metadata = any(a.contains(_METADATA) for a, _ in egress)
    extra = " (including the cloud metadata address 169.254.169.254)" if metadata else ""
    return f"{extra}: {why}"


@rule(
    id="netpol-egress-internet",
    title="Workload can connect to the whole internet",
    severity=Severity.MEDIUM,
    category=Category.NETWORK,
    target=Target.INVENTORY,
    remediation="""Restrict egress: select the workload with a policy whose egress rules list the
    destinations it needs (pods by selector, external services by ipBlock) and except
    169.254.169.254/32 from any broad ipBlock. Open egress lets an attacker exfiltrate data and
    reach the cloud metadata service.""",
)
def netpol_egress_internet(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """Egress allows every public IPv4 address on every TCP port."""
    model = _model(inv, ctx)
    verdicts: dict[int, str | None] = {}
    for w in model.workloads:
        g = model.group_of[w.id]
        if g.id not in verdicts:
            verdicts[g.id] = _internet_egress(model, g)
        detail = verdicts[g.id]
        if detail is None:
            continue
        yield Violation(
            f"{w.kind} {w.id} can connect to any internet address on any port{detail}",
            path=(*w.template.meta_path, "labels"),
            key="egress-internet",
            resource=w.template.resource,
        )


@rule(
    id="ingress-without-tls",
    title="Ingress serves a host without TLS",
    severity=Severity.MEDIUM,
    category=Category.NETWORK,
    target=Target.RESOURCE,
    kinds={"Ingress"},
    remediation="""Add a spec.tls entry listing the host and a Secret with its certificate (or let
    cert-manager issue one). Without TLS, credentials and session cookies cross the network in
    clear text.""",
)
def ingress_without_tls(res: Resource, ctx: RuleContext) -> Iterator[Violation]:
    """An Ingress rule with a host that no tls entry covers."""
    tls = res.spec.get("tls")
    covered: set[str] = set()
    wildcard_entry = False
    for entry in tls if isinstance(tls, list) else []:
        hosts = entry.get("hosts") if isinstance(entry, dict) else None
        if isinstance(hosts, list) and hosts:
            covered.update(str(h) for h in hosts)
        elif isinstance(entry, dict):
            wildcard_entry = True  # no hosts: the certificate serves every host
    for i, r in enumerate(res.spec.get("rules") or []):
        host = r.get("host") if isinstance(r, dict) else None
        if not isinstance(host, str) or not host or wildcard_entry:
            continue
        if host in covered or any(
            c.startswith("*.") and host.endswith(c[1:]) and "." not in host[: -len(c) + 1]
            for c in covered
        ):
            continue
        yield Violation(
            f"Ingress host {host!r} has no TLS: add it to spec.tls",
            path=("spec", "rules", i, "host"),
            key=f"host={host}",
        )


_DASHBOARD_IMAGES = ("kubernetes-dashboard", "kubernetesui/dashboard")
_INSECURE_FLAGS = ("--enable-skip-login", "--enable-insecure-login")


def _is_dashboard(w: Workload) -> bool:
    return _looks_like_dashboard(w.labels, (c.image for c in w.template.containers()))


@rule(
    id="dashboard-exposed",
    title="Kubernetes dashboard exposed or running without login",
    severity=Severity.HIGH,
    category=Category.NETWORK,
    target=Target.INVENTORY,
    remediation="""Keep the dashboard behind kubectl port-forward or an authenticating proxy: use a
    ClusterIP Service, no Ingress, and remove --enable-skip-login and --enable-insecure-login.
    An exposed dashboard hands its service account's permissions to anyone who finds it.""",
)
def dashboard_exposed(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """A dashboard reachable through LoadBalancer/NodePort/Ingress, or run with skip-login."""
    for exp in _dashboards(inv, ctx):
        w = exp.workload
        res = w.template.resource
        for entry in exp.entry_points:
            if not entry.open:
                continue
            yield Violation(
                f"Kubernetes dashboard {w.id} is reachable through {entry.via} "
                f"{entry.resource.kind}/{entry.resource.effective_namespace()}/{entry.resource.name}",
                path=(*w.template.meta_path, "labels"),
                key=f"exposed-by={entry.resource.kind}/{entry.resource.name}",
                resource=res,
            )
        for c in w.template.containers():
            for field in ("args", "command"):
                for i, arg in enumerate(c.list_field(field)):
                    text = str(arg)
                    flag, _, value = text.partition("=")
                    if flag in _INSECURE_FLAGS and value.lower() not in ("false", "0"):
                        yield Violation(
                            f"Kubernetes dashboard {w.id} runs with {flag}",
                            path=(*c.path, field, i),
                            key=f"{c.name}:{flag}",
                            resource=res,
                        )
