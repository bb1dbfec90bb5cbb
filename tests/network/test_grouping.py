"""The grouped matrix says exactly what the per-pair matrix says, only shorter."""

from __future__ import annotations

import random

import pytest

from stockade.network.grouping import grouped_matrix
from stockade.network.model import NetworkModel

from .builders import deploy, model_of, netpol, ns
from .generator import generate

Pairs = dict[tuple[str, str], list[str]]
"""(source id, destination id) -> the port labels allowed between them."""
Reach = list[tuple[list[str], list[str]]]
"""(CIDRs, port labels) of every outside peer."""
Outside = dict[str, tuple[Reach, Reach]]
"""Per workload id: the outside peers it accepts from and sends to."""


def expand(model: NetworkModel) -> tuple[Pairs, Outside]:
    gm = grouped_matrix(model)
    pairs: Pairs = {}
    for a, b, ports in gm.connections:
        for src in a.workloads:
            for dst in b.workloads:
                if src is not dst:
                    pairs[(src.id, dst.id)] = ports.labels()
    outside: Outside = {
        w.id: (
            [(x.cidrs(), p.labels()) for x, p in g.ingress],
            [(x.cidrs(), p.labels()) for x, p in g.egress],
        )
        for g in gm.groups
        for w in g.workloads
    }
    return pairs, outside


def direct(model: NetworkModel) -> tuple[Pairs, Outside]:
    pairs = {(a.id, b.id): p.labels() for a, b, p in model.connections()}
    outside: Outside = {}
    for w in model.workloads:
        g = model.group_of[w.id]
        outside[w.id] = (
            [(x.cidrs(), p.labels()) for x, p in model.external_ingress(g)],
            [(x.cidrs(), p.labels()) for x, p in model.external_egress(g)],
        )
    return pairs, outside


@pytest.mark.parametrize("seed", range(20, 32))
def test_grouped_matrix_expands_to_the_per_pair_matrix(seed: int) -> None:
    model = model_of(
        generate(seed, namespaces=5, workloads=5, policies=6 + seed % 7, ipv4_only=False)
    )
    assert expand(model) == direct(model)


def test_equivalent_workloads_in_different_namespaces_merge() -> None:
    # Two namespaces, each with its own (different, equivalent) policy: model groups differ,
    # connectivity does not.
    objs = [ns("a"), ns("b"), ns("c")]
    for n in ("a", "b"):
        objs += [
            deploy(n, "web"),
            netpol(n, "deny", {"podSelector": {}, "policyTypes": ["Ingress"]}),
        ]
    objs += [deploy("c", "client")]
    model = model_of(objs)
    gm = grouped_matrix(model)
    assert len(model.groups) == 3
    names = sorted(sorted(w.id for w in g.workloads) for g in gm.groups)
    assert names == [["a/web", "b/web"], ["c/client"]]
    assert expand(model) == direct(model)


def test_output_does_not_depend_on_input_order() -> None:
    objs = generate(7, namespaces=4, workloads=4, policies=10)
    shuffled = list(objs)
    random.Random(1).shuffle(shuffled)
    assert direct(model_of(objs)) == direct(model_of(shuffled))
    assert expand(model_of(objs)) == expand(model_of(shuffled))
