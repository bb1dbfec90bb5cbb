"""The reachability model: workloads grouped by identical connectivity, built once.

Building:

1. Workloads become *shapes*: identical (namespace, pod labels, named ports) are one shape.
2. Every policy's ``podSelector`` and every distinct pod peer is evaluated once against the
   shapes through inverted label indexes (namespaces first, so namespace labels are complete
   before any selector is resolved).
3. Shapes selected by the same policies, matched by the same peers and resolving the used
   named ports the same way have identical connectivity: they form one `Group`.
4. Per group and direction the allowed traffic is compiled: open (no policy selects it), or
   ports allowed from/to every pod, per peer group, and per external address range.

Queries (ports between two groups, all connections, external exposure) are then lookups;
the cost grows with the number of groups, not of pods.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from stockade.inventory import Inventory
from stockade.network.addresses import INTERNET, AddressSet, partition_by_value
from stockade.network.endpoints import Workload, workloads
from stockade.network.policy import (
    IPPeer,
    NamedPorts,
    PodPeer,
    Policy,
    PortSpecs,
    parse_policies,
    resolve_ports,
)
from stockade.network.ports import ALL_PORTS, NO_PORTS, PortSet, union_all
from stockade.network.selectors import LabelIndex

AddressPorts = list[tuple[AddressSet, PortSet]]
"""Disjoint address sets outside the cluster, each with the ports allowed."""


@dataclass(slots=True, eq=False)
class Group:
    """Workloads with identical connectivity, and their compiled ingress and egress."""

    id: int
    workloads: list[Workload]
    named: NamedPorts
    ingress_policies: tuple[int, ...]
    egress_policies: tuple[int, ...]
    named_id: int = 0
    in_all: PortSet = NO_PORTS
    in_by: dict[int, PortSet] = field(default_factory=dict)
    in_ext: AddressPorts = field(default_factory=list)
    eg_all: int = -1
    eg_by: dict[int, int] = field(default_factory=dict)
    eg_ext: AddressPorts = field(default_factory=list)

    @property
    def ingress_isolated(self) -> bool:
        """Whether some policy selects these workloads for ingress."""
        return bool(self.ingress_policies)

    @property
    def egress_isolated(self) -> bool:
        """Whether some policy selects these workloads for egress."""
        return bool(self.egress_policies)


class _SpecTable:
    """Interned port-spec lists and their resolution per destination's named ports."""

    def __init__(self) -> None:
        self._ids: dict[tuple[PortSpecs, ...], int] = {}
        self._lists: list[tuple[PortSpecs, ...]] = []
        self._named: dict[NamedPorts, int] = {}
        self._memo: dict[tuple[int, int], PortSet] = {}
        self._named_list: list[NamedPorts] = []

    def intern(self, specs: tuple[PortSpecs, ...]) -> int:
        found = self._ids.get(specs)
        if found is None:
            found = self._ids[specs] = len(self._lists)
            self._lists.append(specs)
        return found

    def named_id(self, named: NamedPorts) -> int:
        found = self._named.get(named)
        if found is None:
            found = self._named[named] = len(self._named_list)
            self._named_list.append(named)
        return found

    def resolve(self, sid: int, named_id: int) -> PortSet:
        if sid < 0:
            return NO_PORTS
        key = (sid, named_id)
        found = self._memo.get(key)
        if found is None:
            named = self._named_list[named_id]
            found = union_all([resolve_ports(s, named) for s in self._lists[sid]])
            self._memo[key] = found
        return found


class NetworkModel:
    """NetworkPolicy reachability between the workloads of an inventory."""

    def __init__(self, inventory: Inventory) -> None:
        self.inventory = inventory
        self.workloads: list[Workload] = workloads(inventory)
        self.policies: list[Policy] = parse_policies(inventory.of_kind("NetworkPolicy"))
        self.namespaces: list[str] = sorted(
            set(inventory.namespaces()) | {w.namespace for w in self.workloads}
        )
        self._specs = _SpecTable()
        self._partitions: dict[int, tuple[AddressPorts, AddressPorts]] = {}
        self._by_id = {w.id: w for w in self.workloads}
        self._build()

    # -- building -------------------------------------------------------------------------

    def _build(self) -> None:
        ns_labels = [self.inventory.namespace_labels(n) for n in self.namespaces]
        self._ns_index = LabelIndex(ns_labels)
        shape_of: dict[tuple[object, ...], int] = {}
        shape_members: list[list[Workload]] = []
        shape_labels: list[dict[str, str]] = []
        shape_ns: list[str] = []
        shape_named: list[NamedPorts] = []
        for w in self.workloads:
            key = (w.namespace, tuple(sorted(w.labels.items())), w.named_ports)
            sid = shape_of.get(key)
            if sid is None:
                sid = shape_of[key] = len(shape_members)
                shape_members.append([])
                shape_labels.append(w.labels)
                shape_ns.append(w.namespace)
                shape_named.append(w.named_ports)
            shape_members[sid].append(w)
        self._shape_ns = shape_ns
        self._shape_index = LabelIndex(shape_labels)
        by_ns: dict[str, set[int]] = {}
        for sid, ns in enumerate(shape_ns):
            by_ns.setdefault(ns, set()).add(sid)
        self._shapes_by_ns = {ns: frozenset(s) for ns, s in by_ns.items()}

        # Policy targets and peer matches, each evaluated once.
        self.policy_targets: list[frozenset[int]] = []
        sig: list[list[int]] = [[] for _ in shape_members]
        for pi, p in enumerate(self.policies):
            targets = self._shape_index.select(p.pod_selector) & self._shapes_by_ns.get(
                p.namespace, frozenset()
            )
            self.policy_targets.append(targets)
            for sid in targets:
                if p.ingress is not None:
                    sig[sid].append(2 * pi)
                if p.egress is not None:
                    sig[sid].append(2 * pi + 1)
        offset = 2 * len(self.policies)
        self._peer_ids: dict[tuple[object, ...], int] = {}
        peer_shapes: list[frozenset[int]] = []
        used_names: set[str] = set()
        for p in self.policies:
            for rules in (p.ingress, p.egress):
                for rule in rules or ():
                    for spec in rule.ports or ():
                        if isinstance(spec.port, str):
                            used_names.add(spec.port)
                    for peer in rule.peers or ():
                        if isinstance(peer, PodPeer) and peer.key not in self._peer_ids:
                            self._peer_ids[peer.key] = len(peer_shapes)
                            peer_shapes.append(self._select_peer(peer))
        for pid, shapes in enumerate(peer_shapes):
            for sid in shapes:
                sig[sid].append(offset + pid)

        # Group shapes by signature.
        group_of_key: dict[tuple[tuple[int, ...], NamedPorts], int] = {}
        self.groups: list[Group] = []
        shape_group: list[int] = []
        for sid, members in enumerate(shape_members):
            named = tuple(n for n in shape_named[sid] if n[0] in used_names)
            gkey = (tuple(sig[sid]), named)
            gid = group_of_key.get(gkey)
            if gid is None:
                gid = group_of_key[gkey] = len(self.groups)
                pols = [x for x in sig[sid] if x < offset]
                self.groups.append(
                    Group(
                        id=gid,
                        workloads=[],
                        named=named,
                        named_id=self._specs.named_id(named),
                        ingress_policies=tuple(x // 2 for x in pols if x % 2 == 0),
                        egress_policies=tuple(x // 2 for x in pols if x % 2 == 1),
                    )
                )
            self.groups[gid].workloads.extend(members)
            shape_group.append(gid)
        self.group_of: dict[str, Group] = {
            w.id: self.groups[gid]
            for sid, gid in enumerate(shape_group)
            for w in shape_members[sid]
        }
        self._peer_groups = [frozenset(shape_group[s] for s in shapes) for shapes in peer_shapes]
        compiled_in: dict[tuple[tuple[int, ...], int], Group] = {}
        compiled_out: dict[tuple[int, ...], Group] = {}
        for g in self.groups:
            # Ingress depends only on the selecting policies and the named ports; egress only
            # on the selecting policies: groups that share them share the compiled tables.
            done_in = compiled_in.get((g.ingress_policies, g.named_id))
            if done_in is None:
                self._compile_ingress(g)
                compiled_in[(g.ingress_policies, g.named_id)] = g
            else:
                g.in_all, g.in_by, g.in_ext = done_in.in_all, done_in.in_by, done_in.in_ext
            done_out = compiled_out.get(g.egress_policies)
            if done_out is None:
                self._compile_egress(g)
                compiled_out[g.egress_policies] = g
            else:
                g.eg_all, g.eg_by, g.eg_ext = done_out.eg_all, done_out.eg_by, done_out.eg_ext
        self._wild_in = [g.id for g in self.groups if not g.ingress_isolated or g.in_all]
        self._open_in = [g.id for g in self.groups if not g.ingress_isolated]
        self._all_in = [g.id for g in self.groups if g.ingress_isolated and g.in_all]
        self._in_by_arr = [g.in_by for g in self.groups]
        self._in_all_arr = [g.in_all for g in self.groups]
        # Filled in group order, so every list is sorted.
        self._in_by_src: dict[int, list[int]] = {}
        for g in self.groups:
            for src in g.in_by:
                self._in_by_src.setdefault(src, []).append(g.id)

    def _select_peer(self, peer: PodPeer) -> frozenset[int]:
        if peer.namespace_selector is None:
            spaces = [peer.namespace]
        else:
            spaces = [self.namespaces[i] for i in self._ns_index.select(peer.namespace_selector)]
        in_spaces: set[int] = set()
        for ns in spaces:
            in_spaces |= self._shapes_by_ns.get(ns, frozenset())
        if peer.pod_selector is None:
            return frozenset(in_spaces)
        return self._shape_index.select(peer.pod_selector) & in_spaces

    def peer_groups(self, peer: PodPeer) -> frozenset[int]:
        """Ids of the groups a pod peer matches."""
        return self._peer_groups[self._peer_ids[peer.key]]

    def _compile_ingress(self, g: Group) -> None:
        n_groups = len(self.groups)
        in_all = NO_PORTS
        for pi in g.ingress_policies:
            for rule in self.policies[pi].ingress or ():
                ports = resolve_ports(rule.ports, g.named)
                if not ports:
                    continue
                if rule.peers is None:
                    in_all = in_all | ports
                    g.in_ext.append((INTERNET, ports))
                    continue
                for peer in rule.peers:
                    if isinstance(peer, IPPeer):
                        g.in_ext.append((peer.addresses, ports))
                        continue
                    groups = self.peer_groups(peer)
                    if len(groups) == n_groups:
                        in_all = in_all | ports
                        continue
                    in_by = g.in_by
                    for other in groups:
                        cur = in_by.get(other)
                        in_by[other] = ports if cur is None or cur is ports else cur | ports
        g.in_all = in_all

    def _compile_egress(self, g: Group) -> None:
        n_groups = len(self.groups)
        eg_all: list[PortSpecs] = []
        eg_by: dict[int, list[PortSpecs]] = {}
        for pi in g.egress_policies:
            for rule in self.policies[pi].egress or ():
                if rule.peers is None:
                    eg_all.append(rule.ports)
                    g.eg_ext.append((INTERNET, resolve_ports(rule.ports, None)))
                    continue
                for peer in rule.peers:
                    if isinstance(peer, IPPeer):
                        g.eg_ext.append((peer.addresses, resolve_ports(rule.ports, None)))
                        continue
                    groups = self.peer_groups(peer)
                    if len(groups) == n_groups:
                        eg_all.append(rule.ports)
                    else:
                        for other in groups:
                            eg_by.setdefault(other, []).append(rule.ports)
        g.eg_all = self._specs.intern(tuple(dict.fromkeys(eg_all))) if eg_all else -1
        g.eg_by = {o: self._specs.intern(tuple(dict.fromkeys(s))) for o, s in eg_by.items()}

    # -- queries ----------------------------------------------------------------------------

    def workload(self, wid: str) -> Workload | None:
        """The workload with id ``namespace/name`` (or ``namespace/Kind/name``)."""
        return self._by_id.get(wid)

    def egress_ports(self, src: Group, dst: Group) -> PortSet:
        """What ``src``'s egress allows towards ``dst``'s pods."""
        if not src.egress_isolated:
            return ALL_PORTS
        out = self._specs.resolve(src.eg_all, dst.named_id)
        by = src.eg_by.get(dst.id)
        if by is not None:
            out = out | self._specs.resolve(by, dst.named_id)
        return out

    def ingress_ports(self, src: Group, dst: Group) -> PortSet:
        """What ``dst``'s ingress allows from ``src``'s pods."""
        if not dst.ingress_isolated:
            return ALL_PORTS
        by = dst.in_by.get(src.id)
        return dst.in_all if by is None else dst.in_all | by

    def ports(self, src: Group, dst: Group) -> PortSet:
        """Ports on which pods of ``src`` can open connections to pods of ``dst``."""
        eg = self.egress_ports(src, dst)
        if not eg:
            return NO_PORTS
        return eg & self.ingress_ports(src, dst)

    def group_connections(self) -> Iterator[tuple[Group, Group, PortSet]]:
        """Every (source group, destination group, ports) with something allowed.

        Includes a group paired with itself (its workloads reach one another). Sources come in
        group order, destinations in group order for each source.
        """
        open_in = self._open_in
        for a in self.groups:
            row = self.sparse_row(a)
            if not a.egress_isolated:
                row.extend((bid, ALL_PORTS) for bid in open_in)
                row.sort(key=lambda r: r[0])
            for bid, ports in row:
                yield a, self.groups[bid], ports

    def sparse_group_connections(self) -> Iterator[tuple[Group, Group, PortSet]]:
        """`group_connections` without the pairs where neither side is isolated (all allowed)."""
        groups = self.groups
        for a in groups:
            for bid, ports in self.sparse_row(a):
                yield a, groups[bid], ports

    def open_pairs(self) -> tuple[list[Group], list[Group]]:
        """Groups open for egress and groups open for ingress: every pair of them is ``*``."""
        return (
            [g for g in self.groups if not g.egress_isolated],
            [self.groups[bid] for bid in self._open_in],
        )

    def sparse_row(self, a: Group) -> list[tuple[int, PortSet]]:
        """(destination group id, ports) for ``a``, except the all-open pairs, by id."""
        extra = self._in_by_src.get(a.id, ())
        out: list[tuple[int, PortSet]] = []
        aid = a.id
        in_by, in_all = self._in_by_arr, self._in_all_arr
        if not a.egress_isolated:
            # Destinations here are all isolated for ingress; egress allows everything.
            base = self._all_in
            cands = (sorted(set(base).union(extra)) if base else extra) if extra else base
            for bid in cands:
                by = in_by[bid].get(aid)
                every = in_all[bid]
                ports = every if by is None else by if not every else every | by
                if ports:
                    out.append((bid, ports))
            return out
        if a.eg_all >= 0:
            base = self._wild_in
            cands = sorted(set(base).union(extra)) if extra else base
        else:
            cands = sorted(a.eg_by)
        groups = self.groups
        resolve = self._specs.resolve
        eg_all, eg_by = a.eg_all, a.eg_by
        for bid in cands:
            b = groups[bid]
            eg = resolve(eg_all, b.named_id)
            by_spec = eg_by.get(bid)
            if by_spec is not None:
                eg = eg | resolve(by_spec, b.named_id)
            if not eg:
                continue
            if not b.ingress_policies:
                ports = eg
            else:
                by = in_by[bid].get(aid)
                every = in_all[bid]
                ing = every if by is None else by if not every else every | by
                ports = ing if eg is ALL_PORTS else eg & ing
            if ports:
                out.append((bid, ports))
        return out

    def connections(self) -> Iterator[tuple[Workload, Workload, PortSet]]:
        """Every (source, destination, ports) between distinct workloads, sorted by source."""
        rows: list[tuple[Workload, Workload, PortSet]] = []
        for a, b, ports in self.group_connections():
            for src in a.workloads:
                for dst in b.workloads:
                    if src is not dst:
                        rows.append((src, dst, ports))
        rows.sort(key=lambda r: (r[0].id, r[1].id))
        return iter(rows)

    def external_ingress(self, group: Group) -> AddressPorts:
        """Addresses outside the cluster that can connect to the group, with ports."""
        if not group.ingress_isolated:
            return [(INTERNET, ALL_PORTS)]
        return self._partition(group.in_ext)

    def external_egress(self, group: Group) -> AddressPorts:
        """Addresses outside the cluster the group can connect to, with ports."""
        if not group.egress_isolated:
            return [(INTERNET, ALL_PORTS)]
        return self._partition(group.eg_ext)

    def _partition(self, entries: AddressPorts) -> AddressPorts:
        # Groups sharing compiled tables share the entry lists: partition each list once.
        found = self._partitions.get(id(entries))
        if found is None or found[0] is not entries:
            found = self._partitions[id(entries)] = (entries, _partition(entries))
        return found[1]


def _fold(values: list[PortSet]) -> PortSet | None:
    out = union_all(values)
    return out if out else None


def _partition(entries: AddressPorts) -> AddressPorts:
    parts = partition_by_value([(a, p) for a, p in entries if p and a], _fold)
    return sorted(parts, key=lambda e: (not e[0].v4, e[0].v4, e[0].v6))
