"""Matrix and exposure documents: JSON contract, CSV, DOT and plain-text tables.

JSON contract of ``stockade net matrix``::

    {"connections": [{"from": "ns/a", "to": "ns/b", "ports": ["TCP/8080", "UDP/53"]}],
     "external": {"ingress": [{"from": ["0.0.0.0/0", "::/0"], "to": "ns/a", "ports": ["*"]}],
                  "egress":  [{"from": "ns/a", "to": ["10.0.0.0/8"], "ports": ["TCP/443"]}]}}

One connection per allowed pair of distinct workloads, sorted; ``"*"`` is every protocol and
port; ``PROTO/*`` every port of one protocol; named ports are resolved on the destination.
With grouping, ``from``/``to`` name groups (``g1``…) listed under ``"groups"``.
"""

from __future__ import annotations

import csv
import functools
import io
from typing import Any

import orjson

from stockade.network.addresses import AddressSet
from stockade.network.exposure import Exposure
from stockade.network.grouping import grouped_matrix
from stockade.network.model import AddressPorts, NetworkModel
from stockade.network.ports import PortSet


@functools.lru_cache(maxsize=4096)
def _cidrs(addresses: AddressSet) -> list[str]:
    return addresses.cidrs()


def _ext(entries: AddressPorts) -> list[tuple[list[str], list[str]]]:
    return [(list(_cidrs(a)), p.labels()) for a, p in entries]


class _Labels:
    """Port labels per port-set object: the same objects recur across many pairs."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[PortSet, list[str]]] = {}

    def __call__(self, ports: PortSet) -> list[str]:
        hit = self._seen.get(id(ports))
        if hit is None:
            hit = self._seen[id(ports)] = (ports, ports.labels())
        return hit[1]


def matrix_document(model: NetworkModel, grouped: bool = False) -> dict[str, Any]:
    """The matrix as the JSON contract describes it."""
    connections: list[dict[str, Any]] = []
    ingress: list[dict[str, Any]] = []
    egress: list[dict[str, Any]] = []
    doc: dict[str, Any] = {}
    _labels = _Labels()
    if grouped:
        gm = grouped_matrix(model)
        doc["groups"] = [
            {"id": g.name, "workloads": [w.id for w in g.workloads]} for g in gm.groups
        ]
        connections = [
            {"from": a.name, "to": b.name, "ports": _labels(p)} for a, b, p in gm.connections
        ]
        for mg in gm.groups:
            for cidrs, labels in _ext(mg.ingress):
                ingress.append({"from": cidrs, "to": mg.name, "ports": labels})
            for cidrs, labels in _ext(mg.egress):
                egress.append({"from": mg.name, "to": cidrs, "ports": labels})
    else:
        for src, dst, ports in model.connections():
            connections.append({"from": src.id, "to": dst.id, "ports": _labels(ports)})
        for w in model.workloads:
            g = model.group_of[w.id]
            for cidrs, labels in _ext(model.external_ingress(g)):
                ingress.append({"from": cidrs, "to": w.id, "ports": labels})
            for cidrs, labels in _ext(model.external_egress(g)):
                egress.append({"from": w.id, "to": cidrs, "ports": labels})
    doc["connections"] = connections
    doc["external"] = {"ingress": ingress, "egress": egress}
    return doc


def to_json(doc: dict[str, Any]) -> str:
    """Indented JSON with a trailing newline."""
    return orjson.dumps(doc, option=orjson.OPT_INDENT_2).decode() + "\n"


def matrix_csv(doc: dict[str, Any]) -> str:
    """``from,to,ports`` rows; external ranges as space-separated CIDRs."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["from", "to", "ports"])
    for c in doc["connections"]:
        w.writerow([c["from"], c["to"], " ".join(c["ports"])])
    for e in doc["external"]["ingress"]:
        w.writerow([" ".join(e["from"]), e["to"], " ".join(e["ports"])])
    for e in doc["external"]["egress"]:
        w.writerow([e["from"], " ".join(e["to"]), " ".join(e["ports"])])
    return buf.getvalue()


def _dot_id(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def matrix_dot(doc: dict[str, Any]) -> str:
    """A Graphviz digraph: workloads (or groups) and one ``external`` node per address set."""
    lines = ["digraph network {", "  rankdir=LR;", "  node [shape=box];"]
    for g in doc.get("groups", []):
        label = "\\n".join(g["workloads"][:5]) + ("\\n…" if len(g["workloads"]) > 5 else "")
        lines.append(f'  {_dot_id(g["id"])} [label="{label}"];')
    for c in doc["connections"]:
        lines.append(
            f"  {_dot_id(c['from'])} -> {_dot_id(c['to'])} [label={_dot_id(' '.join(c['ports']))}];"
        )
    for e in doc["external"]["ingress"]:
        src = " ".join(e["from"])
        lines.append(f"  {_dot_id(src)} [shape=ellipse];")
        lines.append(
            f"  {_dot_id(src)} -> {_dot_id(e['to'])} [label={_dot_id(' '.join(e['ports']))}];"
        )
    for e in doc["external"]["egress"]:
        dst = " ".join(e["to"])
        lines.append(f"  {_dot_id(dst)} [shape=ellipse];")
        lines.append(
            f"  {_dot_id(e['from'])} -> {_dot_id(dst)} [label={_dot_id(' '.join(e['ports']))}];"
        )
    lines.append("}")
    return "\n".join(dict.fromkeys(lines)) + "\n"


def _columns(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join(
        "  ".join(cell.ljust(widths[i]) for i, cell in enumerate(r)).rstrip() for r in rows
    )


def matrix_table(doc: dict[str, Any]) -> str:
    """Plain text: connections, then external ingress and egress."""
    out: list[str] = []
    for g in doc.get("groups", []):
        out.append(f"{g['id']}: {', '.join(g['workloads'])}")
    if out:
        out.append("")
    rows: list[tuple[str, ...]] = [("FROM", "TO", "PORTS")]
    rows += [(c["from"], c["to"], ", ".join(c["ports"])) for c in doc["connections"]]
    out.append(_columns(rows) if len(rows) > 1 else "no connections between workloads")
    ext: list[tuple[str, ...]] = [("FROM", "TO", "PORTS")]
    ext += [
        (", ".join(e["from"]), e["to"], ", ".join(e["ports"])) for e in doc["external"]["ingress"]
    ]
    ext += [
        (e["from"], ", ".join(e["to"]), ", ".join(e["ports"])) for e in doc["external"]["egress"]
    ]
    if len(ext) > 1:
        out += ["", "outside the cluster:", _columns(ext)]
    return "\n".join(out) + "\n"


def exposure_document(items: list[Exposure]) -> dict[str, Any]:
    """Exposure of every workload as JSON-ready data."""
    return {
        "workloads": [
            {
                "workload": e.workload.id,
                "ingress": [{"from": a, "ports": p} for a, p in _ext(e.ingress)],
                "egress": [{"to": a, "ports": p} for a, p in _ext(e.egress)],
                "entry_points": [x.to_json() for x in e.entry_points],
            }
            for e in items
        ]
    }


def exposure_table(items: list[Exposure]) -> str:
    """Plain text, one block per workload that is reachable from or reaches outside."""
    blocks: list[str] = []
    for e in items:
        lines = [e.workload.id]
        for cidrs, ports in _ext(e.ingress):
            lines.append(f"  in  from {', '.join(cidrs)}: {', '.join(ports)}")
        for cidrs, ports in _ext(e.egress):
            lines.append(f"  out to   {', '.join(cidrs)}: {', '.join(ports)}")
        for x in e.entry_points:
            state = "open" if x.open else "blocked by NetworkPolicy"
            lines.append(
                f"  via {x.via} {x.resource.kind}/{x.resource.effective_namespace()}/"
                f"{x.resource.name} ({', '.join(x.ports.labels()) or 'no matching port'}): {state}"
            )
        if len(lines) == 1:
            lines.append("  nothing outside the cluster")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n" if blocks else "no workloads\n"
