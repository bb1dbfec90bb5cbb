"""``reach(src, dst, port)``: one connection, yes or no, and the policies that decide it.

A connection needs the source's egress and the destination's ingress. For each direction
the answer is one of: not isolated (no policy selects the endpoint in that direction, so
everything is allowed), allowed by named rules, or denied because the selecting policies
have no rule that matches this peer and port. An endpoint may be a workload
(``namespace/name``) or an address outside the cluster (``203.0.113.7``), whose own side is
not governed by NetworkPolicy.
"""

from __future__ import annotations

import difflib
import ipaddress
from dataclasses import dataclass

from stockade.errors import UsageError
from stockade.network.endpoints import Workload
from stockade.network.model import Group, NetworkModel
from stockade.network.policy import IPPeer, PodPeer, Rule, resolve_ports
from stockade.network.ports import PROTOCOLS


@dataclass(frozen=True, slots=True)
class Decision:
    """How one direction (egress of the source, ingress of the destination) decides."""

    direction: str
    endpoint: str
    isolated: bool
    allowed: bool
    selecting: tuple[str, ...]
    allowing: tuple[tuple[str, int], ...]

    def explain(self) -> str:
        """One sentence for people."""
        side = "egress from" if self.direction == "egress" else "ingress to"
        if not self.isolated:
            return (
                f"{side} {self.endpoint}: allowed, no NetworkPolicy selects it for {self.direction}"
            )
        if self.allowed:
            rules = ", ".join(f"{p} ({self.direction}[{i}])" for p, i in self.allowing)
            return f"{side} {self.endpoint}: allowed by {rules}"
        return (
            f"{side} {self.endpoint}: denied; selected by {', '.join(self.selecting)} "
            "and no rule matches this peer and port"
        )

    def to_json(self) -> dict[str, object]:
        """Machine form."""
        return {
            "direction": self.direction,
            "endpoint": self.endpoint,
            "isolated": self.isolated,
            "allowed": self.allowed,
            "selected_by": list(self.selecting),
            "allowed_by": [{"policy": p, "rule": i} for p, i in self.allowing],
        }


@dataclass(frozen=True, slots=True)
class Reach:
    """The answer for one connection."""

    src: str
    dst: str
    protocol: str
    port: int
    allowed: bool
    decisions: tuple[Decision, ...]

    def to_json(self) -> dict[str, object]:
        """Machine form."""
        return {
            "from": self.src,
            "to": self.dst,
            "port": f"{self.protocol}/{self.port}",
            "allowed": self.allowed,
            "decisions": [d.to_json() for d in self.decisions],
        }


def _address(text: str) -> str | None:
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def _endpoint(model: NetworkModel, text: str) -> Workload | str:
    w = model.workload(text)
    if w is not None:
        return w
    addr = _address(text)
    if addr is not None:
        return addr
    names = difflib.get_close_matches(text, [x.id for x in model.workloads], n=3)
    hint = (
        f"Did you mean {', '.join(names[:5])}?"
        if names
        else "List them with `stockade net matrix PATH`."
    )
    raise UsageError(
        f"no workload {text!r} in the inventory (expected namespace/name or an IP address)", hint
    )


def parse_port(text: str, dst: Workload | str) -> tuple[str, int]:
    """``8443``, ``TCP/8443``, ``udp/53`` or a port name of the destination (``http``)."""
    proto, sep, value = text.partition("/")
    if not sep:
        proto, value = "", text
    proto = proto.upper()
    if proto and proto not in PROTOCOLS:
        raise UsageError(f"unknown protocol {proto!r}", "Use TCP, UDP or SCTP, e.g. UDP/53.")
    if value.isdigit() and 1 <= int(value) <= 65535:
        return proto or "TCP", int(value)
    if isinstance(dst, Workload):
        for name, p, num in dst.named_ports:
            if name == value and (not proto or p == proto):
                return p, num
        raise UsageError(
            f"{dst.id} has no container port named {value!r}",
            f"Its named ports: {', '.join(n for n, _, _ in dst.named_ports) or 'none'}.",
        )
    raise UsageError(f"invalid port {text!r}", "Give a number 1-65535, optionally as PROTO/PORT.")


def _peer_matches(model: NetworkModel, rule: Rule, other: Group | str) -> bool:
    if rule.peers is None:
        return True
    for peer in rule.peers:
        if isinstance(peer, IPPeer):
            if isinstance(other, str) and peer.addresses.contains(other):
                return True
        elif (
            isinstance(peer, PodPeer)
            and isinstance(other, Group)
            and other.id in model.peer_groups(peer)
        ):
            return True
    return False


def _decide(
    model: NetworkModel,
    direction: str,
    me: Workload,
    other: Group | str,
    dst_named: Group | None,
    protocol: str,
    port: int,
) -> Decision:
    group = model.group_of[me.id]
    pols = group.egress_policies if direction == "egress" else group.ingress_policies
    allowing: list[tuple[str, int]] = []
    for pi in pols:
        p = model.policies[pi]
        for rule in p.rules(direction) or ():
            if not _peer_matches(model, rule, other):
                continue
            named = dst_named.named if dst_named is not None else None
            if resolve_ports(rule.ports, named).allows(protocol, port):
                allowing.append((p.ref, rule.index))
    selecting = tuple(model.policies[pi].ref for pi in pols)
    return Decision(
        direction=direction,
        endpoint=me.id,
        isolated=bool(pols),
        allowed=not pols or bool(allowing),
        selecting=selecting,
        allowing=tuple(allowing),
    )


def reach(model: NetworkModel, src: str, dst: str, port: str) -> Reach:
    """Whether ``src`` can open a connection to ``dst`` on ``port``, and why."""
    s, d = _endpoint(model, src), _endpoint(model, dst)
    if isinstance(s, str) and isinstance(d, str):
        raise UsageError("both endpoints are addresses", "At least one side must be a workload.")
    protocol, number = parse_port(port, d)
    decisions: list[Decision] = []
    if isinstance(s, Workload):
        other: Group | str = model.group_of[d.id] if isinstance(d, Workload) else d
        dst_group = model.group_of[d.id] if isinstance(d, Workload) else None
        decisions.append(_decide(model, "egress", s, other, dst_group, protocol, number))
    if isinstance(d, Workload):
        other = model.group_of[s.id] if isinstance(s, Workload) else s
        decisions.append(
            _decide(model, "ingress", d, other, model.group_of[d.id], protocol, number)
        )
    return Reach(
        src=s.id if isinstance(s, Workload) else s,
        dst=d.id if isinstance(d, Workload) else d,
        protocol=protocol,
        port=number,
        allowed=all(x.allowed for x in decisions),
        decisions=tuple(decisions),
    )
