"""The compact matrix: endpoints with identical connectivity merged into one group.

Model groups are built from what selects and matches each workload, which can be finer than
what the workloads can actually reach: two namespaces' frontends selected by different but
equivalent policies are different model groups. For output they are merged when their rows
(what they reach, on which ports), columns (what reaches them) and outside exposure are all
identical; merged groups then have, by construction, the same connections to every other.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from stockade.network.endpoints import Workload
from stockade.network.model import AddressPorts, NetworkModel
from stockade.network.ports import ALL_PORTS, PortSet


@dataclass(slots=True)
class MatrixGroup:
    """Workloads with identical connectivity, and what they exchange with outside."""

    name: str
    workloads: list[Workload]
    ingress: AddressPorts
    egress: AddressPorts


@dataclass(slots=True)
class GroupedMatrix:
    """Groups (sorted by their first workload) and connections between them."""

    groups: list[MatrixGroup]
    connections: list[tuple[MatrixGroup, MatrixGroup, PortSet]]


_SHIFT = 32
_MASK = (1 << _SHIFT) - 1


def grouped_matrix(model: NetworkModel) -> GroupedMatrix:
    """Merge model groups with identical connectivity and list connections between them."""
    # Port sets are interned to small ints: by object first (most are shared objects), then
    # by value, so equal sets written differently still compare equal. A row entry packs
    # (destination group, port id) into one int, a column entry (source group, port id).
    port_objs: list[PortSet] = []
    alive: list[PortSet] = []
    by_obj: dict[int, int] = {}
    by_value: dict[PortSet, int] = {}

    def intern(ports: PortSet) -> int:
        pid = by_value.get(ports)
        if pid is None:
            pid = by_value[ports] = len(port_objs)
            port_objs.append(ports)
        by_obj[id(ports)] = pid
        alive.append(ports)  # keep the object alive while its id is a key
        return pid

    rows: dict[int, tuple[int, ...]] = {}
    cols: dict[int, list[int]] = defaultdict(list)
    for a in model.groups:
        row: list[int] = []
        src_key = a.id << _SHIFT
        for bid, ports in model.sparse_row(a):
            pid = by_obj.get(id(ports))
            if pid is None:
                pid = intern(ports)
            row.append((bid << _SHIFT) | pid)
            cols[bid].append(src_key | pid)
        if row:
            rows[a.id] = tuple(row)
    ext_in = {g.id: model.external_ingress(g) for g in model.groups}
    ext_out = {g.id: model.external_egress(g) for g in model.groups}
    # Rows and columns hold the enumerated (sparse) pairs; the dense block of pairs where
    # neither side is isolated is the same for every group with the same two flags.
    merged: dict[tuple[object, ...], list[int]] = {}
    for g in model.groups:
        key = (
            g.egress_isolated,
            g.ingress_isolated,
            rows.get(g.id),
            tuple(cols.get(g.id, ())),
            tuple(ext_in[g.id]),
            tuple(ext_out[g.id]),
        )
        merged.setdefault(key, []).append(g.id)

    gid_lists = list(merged.values())
    members = [
        sorted((w for gid in gids for w in model.groups[gid].workloads), key=lambda w: w.id)
        for gids in gid_lists
    ]
    order = sorted(range(len(members)), key=lambda i: members[i][0].id)
    out_groups: list[MatrixGroup] = []
    pos = [0] * len(model.groups)
    for rank, i in enumerate(order):
        first = gid_lists[i][0]
        out_groups.append(MatrixGroup(f"g{rank + 1}", members[i], ext_in[first], ext_out[first]))
        for gid in gid_lists[i]:
            pos[gid] = rank
    pairs: dict[int, int] = {}
    for rank, i in enumerate(order):
        src_key = rank << _SHIFT
        for entry in rows.get(gid_lists[i][0], ()):
            pairs.setdefault(src_key | pos[entry >> _SHIFT], entry & _MASK)
    # Pairs where neither side is isolated: all allowed, never enumerated per model group.
    open_out, open_in = model.open_pairs()
    all_pid = by_obj.get(id(ALL_PORTS))
    if all_pid is None:
        all_pid = intern(ALL_PORTS)
    dst_ranks = sorted({pos[g.id] for g in open_in})
    for sp in sorted({pos[g.id] for g in open_out}):
        src_key = sp << _SHIFT
        for dp in dst_ranks:
            pairs[src_key | dp] = all_pid
    connections: list[tuple[MatrixGroup, MatrixGroup, PortSet]] = []
    for packed in sorted(pairs):
        src, dst = out_groups[packed >> _SHIFT], out_groups[packed & _MASK]
        if src is dst and len(src.workloads) < 2:
            continue  # one workload's own pods
        connections.append((src, dst, port_objs[pairs[packed]]))
    return GroupedMatrix(out_groups, connections)
