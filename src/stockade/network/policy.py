"""NetworkPolicy objects parsed into typed rules, exactly as the API defines them.

Spec (``networking.k8s.io/v1``):

* ``spec.podSelector`` selects pods in the policy's own namespace; ``{}`` selects all of them.
* ``policyTypes`` defaults to ``[Ingress]`` plus ``Egress`` when ``spec.egress`` is non-empty.
  When given, it wins: rules of a direction not listed are ignored.
* A direction listed with no rules (``ingress: []`` or absent) allows nothing; one empty rule
  (``ingress: [{}]``) allows everything.
* In a rule, ``from``/``to`` missing, null or empty means all peers (every pod and every
  address); ``ports`` missing or empty means all ports and protocols. Peers are OR-ed.
* A peer with ``podSelector`` and ``namespaceSelector`` selects matching pods in matching
  namespaces (AND); a missing ``namespaceSelector`` means the policy's namespace, ``{}`` all
  namespaces. ``ipBlock`` is a CIDR minus ``except`` and matches addresses outside the cluster.
* A port entry: ``protocol`` defaults to TCP; ``port`` missing means every port of that
  protocol; a named port is resolved on the destination pod by name and protocol; ``endPort``
  extends a numeric port to an inclusive range.

Anything the API server would reject is reported as a `PolicyIssue` and matches nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from stockade.inventory import Resource
from stockade.model import FieldPath
from stockade.network.addresses import AddressSet
from stockade.network.ports import NO_PORTS, PROTOCOLS, PortSet, union_all
from stockade.network.selectors import Selector, parse_selector

NamedPorts = tuple[tuple[str, str, int], ...]
"""A pod's container ports that have names: sorted (name, protocol, number)."""


@dataclass(frozen=True, slots=True)
class PortSpec:
    """One entry of a rule's ``ports``; ``valid=False`` matches nothing."""

    protocol: str = "TCP"
    port: int | str | None = None
    end_port: int | None = None
    valid: bool = True

    def resolve(self, named: NamedPorts | None) -> PortSet:
        """The ports this entry allows on a destination with ``named`` ports.

        ``named=None`` is a destination outside the cluster: named ports match nothing there.
        """
        if not self.valid:
            return NO_PORTS
        if self.port is None:
            return PortSet.of(self.protocol)
        if isinstance(self.port, str):
            hits = [
                PortSet.of(proto, num, num)
                for name, proto, num in named or ()
                if name == self.port and proto == self.protocol
            ]
            return union_all(hits)
        return PortSet.of(self.protocol, self.port, self.end_port or self.port)

    def describe(self) -> str:
        """``TCP/8080``, ``TCP/8000-8100``, ``UDP/*``, ``TCP/http``."""
        if self.port is None:
            return f"{self.protocol}/*"
        if self.end_port is not None:
            return f"{self.protocol}/{self.port}-{self.end_port}"
        return f"{self.protocol}/{self.port}"


PortSpecs = tuple[PortSpec, ...] | None
"""A rule's ports; None means every port of every protocol."""


def resolve_ports(specs: PortSpecs, named: NamedPorts | None) -> PortSet:
    """The ports a rule's port list allows on a destination."""
    if specs is None:
        return PortSet.all()
    return union_all([s.resolve(named) for s in specs])


@dataclass(frozen=True, slots=True)
class PodPeer:
    """A peer that selects pods: ``namespace_selector=None`` means the policy's namespace."""

    namespace: str
    namespace_selector: Selector | None
    pod_selector: Selector | None

    @property
    def key(self) -> tuple[Any, ...]:
        """Identity for memoising: equal keys select the same pods."""
        ns = self.namespace if self.namespace_selector is None else None
        return (ns, self.namespace_selector, self.pod_selector)

    def describe(self) -> str:
        """Human form: ``pods app=web in namespaces team=a``."""
        pods = "all pods" if self.pod_selector is None else f"pods {self.pod_selector.describe()}"
        if self.namespace_selector is None:
            return f"{pods} in namespace {self.namespace}"
        if self.namespace_selector.selects_all:
            return f"{pods} in all namespaces"
        return f"{pods} in namespaces {self.namespace_selector.describe()}"


@dataclass(frozen=True, slots=True)
class IPPeer:
    """An ``ipBlock`` peer."""

    cidr: str
    excepts: tuple[str, ...]
    addresses: AddressSet

    def describe(self) -> str:
        """``10.0.0.0/8 except 10.1.0.0/16``."""
        if self.excepts:
            return f"{self.cidr} except {', '.join(self.excepts)}"
        return self.cidr


Peer = PodPeer | IPPeer


@dataclass(frozen=True, slots=True)
class Rule:
    """One ingress or egress rule; ``peers=None`` means every pod and every address."""

    index: int
    peers: tuple[Peer, ...] | None
    ports: PortSpecs


@dataclass(frozen=True, slots=True)
class PolicyIssue:
    """Something in a policy the API would reject or that is probably a mistake."""

    path: FieldPath
    message: str


@dataclass(slots=True, eq=False)
class Policy:
    """A parsed NetworkPolicy. ``ingress``/``egress`` are None when the direction is unaffected."""

    resource: Resource
    namespace: str
    name: str
    pod_selector: Selector
    ingress: tuple[Rule, ...] | None
    egress: tuple[Rule, ...] | None
    issues: list[PolicyIssue] = field(default_factory=list)

    @property
    def ref(self) -> str:
        """``namespace/name``."""
        return f"{self.namespace}/{self.name}"

    def rules(self, direction: str) -> tuple[Rule, ...] | None:
        """The rules of ``"ingress"`` or ``"egress"``."""
        return self.ingress if direction == "ingress" else self.egress


def _parse_port(raw: Any, path: FieldPath, issues: list[PolicyIssue]) -> PortSpec:
    if not isinstance(raw, dict):
        issues.append(PolicyIssue(path, "a port entry must be a mapping"))
        return PortSpec(valid=False)
    proto = raw.get("protocol") or "TCP"
    proto = str(proto)
    if proto not in PROTOCOLS:
        issues.append(PolicyIssue((*path, "protocol"), f"unknown protocol {proto!r}"))
        return PortSpec(proto, valid=False)
    port = raw.get("port")
    end = raw.get("endPort")
    if isinstance(port, str) and port.isdigit():
        port = int(port)
    if port is not None and not isinstance(port, int | str):
        issues.append(PolicyIssue((*path, "port"), "port must be a number or a name"))
        return PortSpec(proto, valid=False)
    if isinstance(port, int) and not 1 <= port <= 65535:
        issues.append(PolicyIssue((*path, "port"), f"port {port} is outside 1-65535"))
        return PortSpec(proto, port, valid=False)
    if end is not None:
        if not isinstance(port, int) or isinstance(port, bool):
            issues.append(
                PolicyIssue(
                    (*path, "endPort"), "endPort needs a numeric port; the entry matches nothing"
                )
            )
            return PortSpec(proto, port, valid=False)
        if not isinstance(end, int) or end < port or end > 65535:
            issues.append(
                PolicyIssue((*path, "endPort"), f"endPort {end!r} must be between port and 65535")
            )
            return PortSpec(proto, port, valid=False)
    return PortSpec(proto, port, end)


def _parse_peer(
    raw: Any, namespace: str, path: FieldPath, issues: list[PolicyIssue]
) -> Peer | None:
    if not isinstance(raw, dict) or not raw:
        issues.append(
            PolicyIssue(
                path,
                "a peer must set podSelector, namespaceSelector or ipBlock; it matches nothing",
            )
        )
        return None
    block = raw.get("ipBlock")
    has_sel = "podSelector" in raw or "namespaceSelector" in raw
    if block is not None:
        if has_sel:
            issues.append(
                PolicyIssue(
                    path,
                    "ipBlock cannot be combined with a selector in one peer; it matches nothing",
                )
            )
            return None
        if not isinstance(block, dict) or not isinstance(block.get("cidr"), str):
            issues.append(PolicyIssue((*path, "ipBlock"), "ipBlock needs a cidr"))
            return None
        excepts_raw = block.get("except") or []
        excepts = tuple(str(e) for e in excepts_raw) if isinstance(excepts_raw, list) else ()
        try:
            addresses = AddressSet.from_cidr(block["cidr"], excepts)
        except ValueError as exc:
            issues.append(PolicyIssue((*path, "ipBlock"), f"invalid CIDR: {exc}"))
            return None
        return IPPeer(block["cidr"], excepts, addresses)
    if not has_sel:
        issues.append(
            PolicyIssue(
                path,
                "a peer must set podSelector, namespaceSelector or ipBlock; it matches nothing",
            )
        )
        return None
    sels: dict[str, Selector | None] = {}
    for key in ("podSelector", "namespaceSelector"):
        if key not in raw or raw[key] is None:
            sels[key] = None
            continue
        sel, problems = parse_selector(raw[key])
        issues.extend(PolicyIssue((*path, key), p) for p in problems)
        sels[key] = sel
    if sels["podSelector"] is None and sels["namespaceSelector"] is None:
        issues.append(PolicyIssue(path, "a peer with null selectors matches nothing"))
        return None
    return PodPeer(namespace, sels["namespaceSelector"], sels["podSelector"])


def _parse_rules(
    raw: Any, direction: str, namespace: str, issues: list[PolicyIssue]
) -> tuple[Rule, ...]:
    base: FieldPath = ("spec", direction)
    if raw is None:
        return ()
    if not isinstance(raw, list):
        issues.append(PolicyIssue(base, f"{direction} must be a list; it allows nothing"))
        return ()
    peer_key = "from" if direction == "ingress" else "to"
    rules: list[Rule] = []
    for i, r in enumerate(raw):
        path = (*base, i)
        if r is None:
            r = {}
        if not isinstance(r, dict):
            issues.append(PolicyIssue(path, "a rule must be a mapping; it allows nothing"))
            continue
        peers_raw = r.get(peer_key)
        peers: tuple[Peer, ...] | None = None
        if isinstance(peers_raw, list) and peers_raw:
            parsed = [
                _parse_peer(p, namespace, (*path, peer_key, j), issues)
                for j, p in enumerate(peers_raw)
            ]
            peers = tuple(p for p in parsed if p is not None)
        elif peers_raw is not None and not isinstance(peers_raw, list):
            issues.append(
                PolicyIssue((*path, peer_key), f"{peer_key} must be a list; it matches nothing")
            )
            peers = ()
        ports_raw = r.get("ports")
        ports: PortSpecs = None
        if isinstance(ports_raw, list) and ports_raw:
            ports = tuple(
                _parse_port(p, (*path, "ports", j), issues) for j, p in enumerate(ports_raw)
            )
        elif ports_raw is not None and not isinstance(ports_raw, list):
            issues.append(PolicyIssue((*path, "ports"), "ports must be a list; it matches nothing"))
            ports = ()
        rules.append(Rule(i, peers, ports))
    return tuple(rules)


def parse_policy(resource: Resource) -> Policy:
    """Parse one NetworkPolicy resource; problems become issues, never exceptions."""
    issues: list[PolicyIssue] = []
    namespace = resource.effective_namespace()
    spec = resource.spec
    sel_raw = spec.get("podSelector")
    if sel_raw is None:
        # NOTE: the field is required; the API server decodes a missing one as {} (all pods).
        issues.append(
            PolicyIssue(
                ("spec",),
                "spec.podSelector is missing; it is read as {} (every pod in the namespace)",
            )
        )
        sel_raw = {}
    pod_selector, problems = parse_selector(sel_raw)
    issues.extend(PolicyIssue(("spec", "podSelector"), p) for p in problems)
    types_raw = spec.get("policyTypes")
    ingress_raw, egress_raw = spec.get("ingress"), spec.get("egress")
    if isinstance(types_raw, list) and types_raw:
        types = {str(t) for t in types_raw}
        for t in types - {"Ingress", "Egress"}:
            issues.append(PolicyIssue(("spec", "policyTypes"), f"unknown policy type {t!r}"))
        has_ingress, has_egress = "Ingress" in types, "Egress" in types
        if not has_ingress and ingress_raw:
            issues.append(
                PolicyIssue(
                    ("spec", "ingress"),
                    "ingress rules are ignored: policyTypes does not list Ingress",
                )
            )
        if not has_egress and egress_raw:
            issues.append(
                PolicyIssue(
                    ("spec", "egress"), "egress rules are ignored: policyTypes does not list Egress"
                )
            )
    else:
        has_ingress = True
        has_egress = isinstance(egress_raw, list) and len(egress_raw) > 0
    return Policy(
        resource=resource,
        namespace=namespace,
        name=resource.name,
        pod_selector=pod_selector,
        ingress=_parse_rules(ingress_raw, "ingress", namespace, issues) if has_ingress else None,
        egress=_parse_rules(egress_raw, "egress", namespace, issues) if has_egress else None,
        issues=issues,
    )


def parse_policies(resources: Iterable[Resource]) -> list[Policy]:
    """Parse the ``networking.k8s.io`` NetworkPolicies among ``resources``."""
    return [
        parse_policy(r)
        for r in resources
        if r.kind == "NetworkPolicy" and r.group in ("networking.k8s.io", "extensions")
    ]
