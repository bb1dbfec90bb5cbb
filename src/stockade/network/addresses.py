"""Address sets outside the cluster: IPv4 and IPv6 interval sets built from ipBlocks.

The internet is ``0.0.0.0/0`` plus ``::/0``; an ipBlock is its CIDR minus the excepted
ranges. Sets are kept as sorted disjoint integer intervals per family and printed back as
the shortest list of CIDRs.
"""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Callable, Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

Ranges = tuple[tuple[int, int], ...]
V = TypeVar("V", bound=Hashable)

_V4_MAX = (1 << 32) - 1
_V6_MAX = (1 << 128) - 1


def _merge(ranges: Iterable[tuple[int, int]]) -> Ranges:
    out: list[tuple[int, int]] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            if hi > out[-1][1]:
                out[-1] = (out[-1][0], hi)
        else:
            out.append((lo, hi))
    return tuple(out)


def _subtract(a: Ranges, b: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    for lo, hi in a:
        cur = lo
        for blo, bhi in b:
            if bhi < cur or blo > hi:
                continue
            if blo > cur:
                out.append((cur, blo - 1))
            cur = max(cur, bhi + 1)
            if cur > hi:
                break
        if cur <= hi:
            out.append((cur, hi))
    return tuple(out)


def _intersect(a: Ranges, b: Ranges) -> Ranges:
    out: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return tuple(out)


def _cidrs(ranges: Ranges, v6: bool) -> Iterator[str]:
    cls = ipaddress.IPv6Address if v6 else ipaddress.IPv4Address
    for lo, hi in ranges:
        for net in ipaddress.summarize_address_range(cls(lo), cls(hi)):
            yield str(net)


@dataclass(frozen=True, slots=True)
class AddressSet:
    """A set of IPv4 and IPv6 addresses."""

    v4: Ranges = ()
    v6: Ranges = ()

    @classmethod
    def internet(cls) -> AddressSet:
        """Every address: ``0.0.0.0/0`` and ``::/0``."""
        return INTERNET

    @classmethod
    def from_cidr(cls, cidr: str, excepts: Iterable[str] = ()) -> AddressSet:
        """A CIDR minus excepted CIDRs; raises ValueError on malformed input."""
        net = ipaddress.ip_network(cidr, strict=False)
        base = cls._of_network(net)
        for ex in excepts:
            base = base - cls._of_network(ipaddress.ip_network(ex, strict=False))
        return base

    @staticmethod
    def _of_network(net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> AddressSet:
        r = ((int(net.network_address), int(net.broadcast_address)),)
        return AddressSet(v6=r) if net.version == 6 else AddressSet(v4=r)

    def is_empty(self) -> bool:
        """Whether no address is in the set."""
        return not (self.v4 or self.v6)

    def __bool__(self) -> bool:
        return not self.is_empty()

    def __or__(self, other: AddressSet) -> AddressSet:
        return AddressSet(_merge((*self.v4, *other.v4)), _merge((*self.v6, *other.v6)))

    def __sub__(self, other: AddressSet) -> AddressSet:
        return AddressSet(_subtract(self.v4, other.v4), _subtract(self.v6, other.v6))

    def __and__(self, other: AddressSet) -> AddressSet:
        return AddressSet(_intersect(self.v4, other.v4), _intersect(self.v6, other.v6))

    def contains(self, address: str) -> bool:
        """Whether one address (``203.0.113.5``, ``2001:db8::1``) is in the set."""
        ip = ipaddress.ip_address(address)
        ranges = self.v6 if ip.version == 6 else self.v4
        value = int(ip)
        return any(lo <= value <= hi for lo, hi in ranges)

    def cidrs(self) -> list[str]:
        """The set as the shortest list of CIDRs, IPv4 first."""
        return [*_cidrs(self.v4, False), *_cidrs(self.v6, True)]

    def boundaries(self) -> tuple[list[int], list[int]]:
        """Start points and one-past-end points of the ranges, per family (for splitting)."""
        b4 = [p for lo, hi in self.v4 for p in (lo, hi + 1)]
        b6 = [p for lo, hi in self.v6 for p in (lo, hi + 1)]
        return b4, b6

    def __str__(self) -> str:
        return ", ".join(self.cidrs()) or "none"


INTERNET = AddressSet(((0, _V4_MAX),), ((0, _V6_MAX),))
NO_ADDRESSES = AddressSet()


def _segments(entries: list[tuple[Ranges, V]], maximum: int) -> list[tuple[int, int, list[V]]]:
    points = {0, maximum + 1}
    for ranges, _ in entries:
        for lo, hi in ranges:
            points.add(lo)
            points.add(hi + 1)
    cuts = sorted(points)
    out: list[tuple[int, int, list[V]]] = []
    for lo, nxt in itertools.pairwise(cuts):
        hi = nxt - 1
        hits = [v for ranges, v in entries if any(a <= lo and hi <= b for a, b in ranges)]
        out.append((lo, hi, hits))
    return out


def partition_by_value(
    entries: Iterable[tuple[AddressSet, V]], combine: Callable[[list[V]], V | None]
) -> list[tuple[AddressSet, V]]:
    """Split the address space by the union of values that cover each address.

    ``entries`` are (addresses, value) pairs that may overlap; ``combine`` is a callable that
    folds the list of values covering one segment into one value (or None for "nothing").
    The result maps each distinct combined value to the addresses it covers, so two
    differently written but equivalent inputs give the same output.
    """
    items = list(entries)
    by_value: dict[V, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
    for fam, maximum in ((4, _V4_MAX), (6, _V6_MAX)):
        fam_entries = [(a.v4 if fam == 4 else a.v6, v) for a, v in items]
        fam_entries = [(r, v) for r, v in fam_entries if r]
        if not fam_entries:
            continue
        for lo, hi, hits in _segments(fam_entries, maximum):
            if not hits:
                continue
            value = combine(hits)
            if value is None:
                continue
            slot = by_value.setdefault(value, ([], []))
            slot[0 if fam == 4 else 1].append((lo, hi))
    return [(AddressSet(_merge(v4), _merge(v6)), value) for value, (v4, v6) in by_value.items()]
