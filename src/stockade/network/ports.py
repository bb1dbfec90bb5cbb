"""Sets of (protocol, port) as interval sets per protocol.

NetworkPolicy filters TCP, UDP and SCTP by port; every other IP protocol (ICMP, …) is only
allowed as a whole by a rule or a direction without port restrictions. A `PortSet` therefore
holds one interval set per port protocol and one flag for "all other protocols". The full
set (every protocol, every port) prints as ``*``; ``TCP/*`` means every TCP port.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

PROTOCOLS: tuple[str, ...] = ("TCP", "UDP", "SCTP")
"""The protocols NetworkPolicy ports can name, in output order."""

MIN_PORT = 1
MAX_PORT = 65535

Intervals = tuple[tuple[int, int], ...]
"""Sorted, disjoint, non-adjacent inclusive ranges."""

_FULL: Intervals = ((MIN_PORT, MAX_PORT),)


def normalize(ranges: Iterable[tuple[int, int]]) -> Intervals:
    """Sort and merge overlapping or adjacent ranges, clipping to the port range."""
    items = sorted((max(lo, MIN_PORT), min(hi, MAX_PORT)) for lo, hi in ranges if lo <= hi)
    out: list[tuple[int, int]] = []
    for lo, hi in items:
        if lo > hi:
            continue
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def _union(a: Intervals, b: Intervals) -> Intervals:
    if not a:
        return b
    if not b or a == b:
        return a
    return normalize((*a, *b))


def _intersect(a: Intervals, b: Intervals) -> Intervals:
    if not a or not b:
        return ()
    if a == b:
        return a
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo = max(a[i][0], b[j][0])
        hi = min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _contains(a: Intervals, port: int) -> bool:
    return any(lo <= port <= hi for lo, hi in a)


@dataclass(frozen=True, slots=True)
class PortSet:
    """Allowed ports: one interval set per protocol in `PROTOCOLS`, plus other protocols."""

    tcp: Intervals = ()
    udp: Intervals = ()
    sctp: Intervals = ()
    other: bool = False

    @classmethod
    def all(cls) -> PortSet:
        """Every protocol and every port."""
        return ALL_PORTS

    @classmethod
    def empty(cls) -> PortSet:
        """Nothing."""
        return NO_PORTS

    @classmethod
    def of(cls, protocol: str, lo: int = MIN_PORT, hi: int = MAX_PORT) -> PortSet:
        """The ports ``lo``..``hi`` of one protocol (all of them by default)."""
        r = normalize([(lo, hi)])
        if protocol == "TCP":
            return cls(tcp=r)
        if protocol == "UDP":
            return cls(udp=r)
        if protocol == "SCTP":
            return cls(sctp=r)
        raise ValueError(f"unknown protocol {protocol!r}")

    def ranges(self, protocol: str) -> Intervals:
        """The intervals of one protocol."""
        return {"TCP": self.tcp, "UDP": self.udp, "SCTP": self.sctp}[protocol]

    def is_empty(self) -> bool:
        """Whether nothing is allowed."""
        return not (self.tcp or self.udp or self.sctp or self.other)

    def is_all(self) -> bool:
        """Whether everything is allowed."""
        return self == ALL_PORTS

    def __bool__(self) -> bool:
        return bool(self.tcp or self.udp or self.sctp or self.other)

    def __or__(self, other: PortSet) -> PortSet:
        if self is other or other is NO_PORTS or self is ALL_PORTS:
            return self
        if self is NO_PORTS or other is ALL_PORTS:
            return other
        if self == other:
            return self
        return PortSet(
            _union(self.tcp, other.tcp),
            _union(self.udp, other.udp),
            _union(self.sctp, other.sctp),
            self.other or other.other,
        )

    def __and__(self, other: PortSet) -> PortSet:
        if self is other or other is ALL_PORTS:
            return self
        if self is ALL_PORTS:
            return other
        return PortSet(
            _intersect(self.tcp, other.tcp),
            _intersect(self.udp, other.udp),
            _intersect(self.sctp, other.sctp),
            self.other and other.other,
        )

    def allows(self, protocol: str, port: int) -> bool:
        """Whether ``protocol``/``port`` is in the set."""
        if protocol not in PROTOCOLS:
            return self.other
        return _contains(self.ranges(protocol), port)

    def labels(self) -> list[str]:
        """The contract form: ``["*"]``, or ``["TCP/8080", "TCP/8000-8100", "UDP/*", …]``."""
        if self.is_all():
            return ["*"]
        out: list[str] = []
        for proto in PROTOCOLS:
            rs = self.ranges(proto)
            if rs == _FULL:
                out.append(f"{proto}/*")
                continue
            for lo, hi in rs:
                out.append(f"{proto}/{lo}" if lo == hi else f"{proto}/{lo}-{hi}")
        if self.other:
            out.append("other/*")
        return out

    def __str__(self) -> str:
        return ", ".join(self.labels()) or "none"


ALL_PORTS = PortSet(_FULL, _FULL, _FULL, True)
NO_PORTS = PortSet()


def union_all(sets: Sequence[PortSet]) -> PortSet:
    """The union of several port sets."""
    out = NO_PORTS
    for s in sets:
        out = out | s
        if out is ALL_PORTS:
            break
    return out


def parse_port_label(text: str) -> PortSet:
    """Parse one contract label (``*``, ``TCP/*``, ``UDP/53``, ``TCP/8000-8100``)."""
    if text == "*":
        return ALL_PORTS
    proto, _, rest = text.partition("/")
    proto = proto.upper()
    if proto == "OTHER":
        return PortSet(other=True)
    if rest in ("", "*"):
        return PortSet.of(proto)
    lo, _, hi = rest.partition("-")
    return PortSet.of(proto, int(lo), int(hi or lo))
