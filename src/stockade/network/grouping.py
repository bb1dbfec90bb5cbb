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


def grouped_matrix(model: NetworkModel) -> GroupedMatrix:
    """Merge model groups with identical connectivity and list connections between them."""
    # Port sets are interned to small ints: by object first (most are shared objects), then
    # by value, so equal sets written differently still compare equal.
    port_objs: list[PortSet] = []
    alive: list[PortSet] = []
    by_obj: dict[int, int] = {}
    by_value: dict[PortSet, int] = {}
    rows: dict[int, tuple[tuple[int, ...], tuple[int, ...]]] = {}
    col_src: dict[int, list[int]] = defaultdict(list)
    col_pid: dict[int, list[int]] = defaultdict(list)
    for a in model.groups:
        bids: list[int] = []
        pids: list[int] = []
        aid = a.id
        for bid, ports in model.sparse_row(a):
            pid = by_obj.get(id(ports))
            if pid is None:
                pid = by_value.get(ports)
                if pid is None:
                    pid = by_value[ports] = len(port_objs)
                    port_objs.append(ports)
                by_obj[id(ports)] = pid
                alive.append(ports)  # keep the object alive while its id is a key
            bids.append(bid)
            pids.append(pid)
            col_src[bid].append(aid)
            col_pid[bid].append(pid)
        if bids:
            rows[aid] = (tuple(bids), tuple(pids))
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
            tuple(col_src.get(g.id, ())),
            tuple(col_pid.get(g.id, ())),
            tuple(ext_in[g.id]),
            tuple(ext_out[g.id]),
        )
        merged.setdefault(key, []).append(g.id)

    members = [
        sorted((w for gid in gids for w in model.groups[gid].workloads), key=lambda w: w.id)
        for gids in merged.values()
    ]
    order = sorted(range(len(members)), key=lambda i: members[i][0].id)
    out_groups: list[MatrixGroup] = []
    of_model_group: dict[int, MatrixGroup] = {}
    gid_lists = list(merged.values())
    for rank, i in enumerate(order):
        first = gid_lists[i][0]
        mg = MatrixGroup(f"g{rank + 1}", members[i], ext_in[first], ext_out[first])
        out_groups.append(mg)
        for gid in gid_lists[i]:
            of_model_group[gid] = mg
    position = {id(mg): n for n, mg in enumerate(out_groups)}
    seen: set[tuple[int, int]] = set()
    connections: list[tuple[MatrixGroup, MatrixGroup, PortSet]] = []
    for i in order:
        src = of_model_group[gid_lists[i][0]]
        row_bids, row_pids = rows.get(gid_lists[i][0], ((), ()))
        for bid, pid in zip(row_bids, row_pids, strict=True):
            dst = of_model_group[bid]
            pair = (position[id(src)], position[id(dst)])
            if pair in seen:
                continue
            seen.add(pair)
            if src is dst and len(src.workloads) < 2:
                continue  # one workload's own pods
            connections.append((src, dst, port_objs[pid]))
    # Pairs where neither side is isolated: all allowed, never enumerated per model group.
    open_out, open_in = model.open_pairs()
    srcs = {id(of_model_group[g.id]): of_model_group[g.id] for g in open_out}
    dsts = {id(of_model_group[g.id]): of_model_group[g.id] for g in open_in}
    for src in srcs.values():
        for dst in dsts.values():
            if src is dst and len(src.workloads) < 2:
                continue
            connections.append((src, dst, ALL_PORTS))
    connections.sort(key=lambda c: (position[id(c[0])], position[id(c[1])]))
    return GroupedMatrix(out_groups, connections)
