"""Differential test: Stockade's matrix against network-config-analyzer 2.1.0.

NCA is an independent NetworkPolicy analyser (``pip install '.[oracle]'``). For generated
inventories of many shapes both tools must agree on every workload pair (every protocol and
port) and on every address range outside the cluster, in both directions.

Known differences, excluded from the generated shapes with the reason:

* ``policyTypes: [Ingress]`` together with ``egress`` rules: the API accepts it and ignores the
  egress rules; NCA refuses to run (exit 7). The generator never writes ignored sections.
* ``egress: []`` with ``policyTypes`` omitted: the API defaults policyTypes to ``[Ingress]``
  because the egress list is empty (``len(spec.egress) != 0`` in ``SetDefaults_NetworkPolicy``);
  NCA 2.1.0 adds ``Egress`` whenever the ``egress`` key is present
  (``K8sPolicyYamlParser``: ``not policy_types and 'egress' in policy_spec``) and so isolates
  egress. NCA is given the equivalent spelling without the empty key (`_for_nca`); the case
  stays in the generated inputs and Stockade's reading is pinned in test_semantics.py.
* ``Exists``/``DoesNotExist`` in the ``podSelector`` of a peer that also has a
  ``namespaceSelector``: NCA evaluates them in the policy's own namespace only
  (``K8sPolicyYamlParser.parse_label_selector_requirement`` passes ``self.namespace`` to
  ``PeerContainer.get_peers_with_key``), so pods of the other selected namespaces never match.
  NCA is given the equivalent form on the same inventory: ``Exists`` becomes ``In`` and
  ``DoesNotExist`` becomes ``NotIn`` over every value the key has on some pod (`_for_nca`);
  NCA evaluates ``In``/``NotIn`` across namespaces correctly.
* ``policyTypes: [Egress, Ingress]`` (kube-prometheus' order): NCA accepts only
  ``[Ingress]``, ``[Egress]`` and ``[Ingress, Egress]`` ("policyTypes has invalid value"); the
  order has no meaning in the API, so NCA is given the sorted list.
* NCA applies Istio and other non-NetworkPolicy layers when such objects are present; corpus
  comparisons give it only namespaces, workloads and NetworkPolicies.
* NCA omits IPv6 unless a policy mentions it; the comparison uses IPv4 only.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from stockade.network.addresses import AddressSet, partition_by_value
from stockade.network.ports import PortSet, union_all
from stockade.sources.files import load_paths

from .builders import model_of
from .generator import generate, write_dir
from .nca import nca_binary, parse_output, run_nca
from .paths import corpus

pytestmark = pytest.mark.skipif(
    nca_binary() is None,
    reason="network-config-analyzer is not installed (pip install -e '.[oracle]')",
)

_V4 = AddressSet(v4=((0, (1 << 32) - 1),))

# (seed, namespaces, workloads per namespace, policies)
CASES = [
    (1, 3, 3, 4),
    (2, 3, 4, 6),
    (3, 4, 3, 8),
    (4, 2, 5, 5),
    (5, 4, 4, 10),
    (6, 3, 3, 12),
    (7, 5, 3, 8),
    (13, 2, 6, 6),
    (9, 4, 5, 14),
    (10, 3, 4, 3),
    (11, 6, 3, 10),
    (12, 1, 6, 6),
]


def _fold(values: list[PortSet]) -> PortSet | None:
    out = union_all(values)
    return out if out else None


def _canonical(
    entries: list[tuple[AddressSet, PortSet]],
) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    v4 = [(a & _V4, p) for a, p in entries]
    parts = partition_by_value([(a, p) for a, p in v4 if a and p], _fold)
    return sorted((tuple(a.cidrs()), tuple(p.labels())) for a, p in parts)


def _pod_label_values(objs: list[dict[str, Any]]) -> dict[str, list[str]]:
    values: dict[str, set[str]] = {}
    for o in objs:
        if o["kind"] == "Pod":
            labels = o["metadata"].get("labels", {})
        elif o["kind"] in ("Deployment", "StatefulSet", "DaemonSet"):
            labels = o["spec"]["template"]["metadata"].get("labels", {})
        else:
            continue
        for k, v in labels.items():
            values.setdefault(k, set()).add(v)
    return {k: sorted(v) for k, v in values.items()}


def _for_nca(objs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same inventory in the spelling NCA reads correctly (see the module docstring)."""
    label_values = _pod_label_values(objs)
    out = []
    for o in objs:
        if o["kind"] != "NetworkPolicy":
            out.append(o)
            continue
        o = copy.deepcopy(o)
        spec = o["spec"]
        if isinstance(spec.get("policyTypes"), list):
            spec["policyTypes"] = sorted(spec["policyTypes"], key=["Ingress", "Egress"].index)
        if "policyTypes" not in spec and spec.get("egress") == []:
            del spec["egress"]
        for direction, key in (("ingress", "from"), ("egress", "to")):
            for rule in spec.get(direction) or []:
                for peer in rule.get(key) or []:
                    if "namespaceSelector" not in peer or not peer.get("podSelector"):
                        continue
                    for expr in peer["podSelector"].get("matchExpressions", []):
                        known = label_values.get(expr["key"], ["no-pod-has-this-value"])
                        if expr["operator"] == "Exists":
                            expr.update(operator="In", values=known)
                        elif expr["operator"] == "DoesNotExist":
                            expr.update(operator="NotIn", values=known)
        out.append(o)
    return out


def _compare(tmp_path: Path, objs: list[dict[str, Any]]) -> int:
    """Run both analysers on ``objs``; assert agreement; return the number of allowed pairs."""
    write_dir(_for_nca(objs), tmp_path / "in")
    theirs_pairs, theirs_ext = parse_output(run_nca(tmp_path / "in", tmp_path / "out.txt"))
    model = model_of(objs)

    ours_pairs = {(a.id, b.id): p for a, b, p in model.connections()}
    mismatches = [
        (pair, ours_pairs.get(pair, PortSet()).labels(), theirs_pairs.get(pair, PortSet()).labels())
        for pair in sorted(set(ours_pairs) | set(theirs_pairs))
        if ours_pairs.get(pair, PortSet()) != theirs_pairs.get(pair, PortSet())
    ]
    assert not mismatches, f"{len(mismatches)} pairs differ (pair, ours, nca): {mismatches[:10]}"

    ext_mismatches = []
    for w in model.workloads:
        g = model.group_of[w.id]
        for direction, ours in (
            ("ingress", model.external_ingress(g)),
            ("egress", model.external_egress(g)),
        ):
            mine = _canonical(ours)
            other = _canonical(theirs_ext.get((w.id, direction), []))
            if mine != other:
                ext_mismatches.append((w.id, direction, mine, other))
    assert not ext_mismatches, (
        f"external differs (workload, direction, ours, nca): {ext_mismatches[:5]}"
    )
    return len(ours_pairs)


_CORPUS_KINDS = {"Namespace", "Deployment", "StatefulSet", "DaemonSet", "Pod", "NetworkPolicy"}


@pytest.mark.parametrize("name", ["microservices-demo", "kube-prometheus"])
def test_corpus_agrees_with_nca(tmp_path: Path, name: str) -> None:
    result = load_paths([str(corpus(name))])
    objs = [r.obj for r in result.resources if r.kind in _CORPUS_KINDS]
    assert _compare(tmp_path, objs) > 0


@pytest.mark.parametrize(("seed", "namespaces", "workloads", "policies"), CASES)
def test_matrix_agrees_with_nca(
    tmp_path: Path, seed: int, namespaces: int, workloads: int, policies: int
) -> None:
    objs = generate(seed, namespaces=namespaces, workloads=workloads, policies=policies)
    assert _compare(tmp_path, objs) > 0
