"""Run network-config-analyzer (NCA) 2.1.0 and normalise its per-pair connectivity map.

Command (namespaces-first loading through a separate ``-n DIR/`` spelling, which avoids
NCA's file-order bug with namespace labels)::

    nca --connectivity -r DIR -n DIR/ -o txt_no_fw_rules --output_endpoints deployments -f OUT

Lines are ``SRC => DST : CONN``; endpoints are ``ns/name[Kind]`` or IPv4 ranges ``a-b``;
CONN is ``All connections``, ``All but {cubes}`` or ``{cubes}``; one pair may span several
lines, so the parser unions per pair.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import subprocess
import sys
from pathlib import Path

from stockade.network.addresses import AddressSet
from stockade.network.ports import ALL_PORTS, MAX_PORT, MIN_PORT, Intervals, PortSet, normalize

_CUBE = re.compile(r"\{([^{}]*)\}")


def nca_binary() -> str | None:
    """The nca executable beside the running interpreter, or on PATH."""
    beside = Path(sys.executable).with_name("nca")
    if beside.exists():
        return str(beside)
    return shutil.which("nca")


def run_nca(directory: Path, out: Path) -> str:
    """Run NCA on a directory; returns the output text."""
    binary = nca_binary()
    assert binary is not None
    cmd = [
        binary,
        "--connectivity",
        "-r",
        str(directory),
        "-n",
        f"{directory}/",
        "-o",
        "txt_no_fw_rules",
        "--output_endpoints",
        "deployments",
        "-f",
        str(out),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"nca failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return out.read_text()


def _ports_of_list(text: str) -> tuple[tuple[int, int], ...]:
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        lo, _, hi = part.partition("-")
        out.append((int(lo), int(hi or lo)))
    return normalize(out)


def _ports_of(protocol: str, ranges: Intervals) -> PortSet:
    if protocol == "TCP":
        return PortSet(tcp=ranges)
    if protocol == "UDP":
        return PortSet(udp=ranges)
    if protocol == "SCTP":
        return PortSet(sctp=ranges)
    # Protocols without ports (ICMP, …) are allowed as a whole.
    return PortSet(other=True)


def _cube(body: str) -> PortSet:
    # body: "protocols:TCP, UDP,dst_ports:53,80-90"
    protos_text, _, ports_text = body.partition("dst_ports:")
    protos_text = protos_text.removeprefix("protocols:").strip().rstrip(",")
    protos = [p.strip() for p in protos_text.split(",") if p.strip()] if protos_text else None
    ranges = _ports_of_list(ports_text) if ports_text else ((MIN_PORT, MAX_PORT),)
    out = PortSet()
    if protos is None:
        return ALL_PORTS
    for p in protos:
        out = out | _ports_of(p, ranges)
    return out


def _complement(ps: PortSet) -> PortSet:
    def comp(rs: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        out, cur = [], MIN_PORT
        for lo, hi in rs:
            if lo > cur:
                out.append((cur, lo - 1))
            cur = hi + 1
        if cur <= MAX_PORT:
            out.append((cur, MAX_PORT))
        return tuple(out)

    return PortSet(comp(ps.tcp), comp(ps.udp), comp(ps.sctp), not ps.other)


def parse_conn(text: str) -> PortSet:
    """One CONN field as a PortSet."""
    text = text.strip()
    if text == "All connections":
        return ALL_PORTS
    cubes = PortSet()
    for body in _CUBE.findall(text):
        cubes = cubes | _cube(body)
    if text.startswith("All but"):
        return _complement(cubes)
    return cubes


def _endpoint(text: str) -> str | AddressSet:
    text = text.strip()
    if "[" in text:
        return text.split("[", 1)[0]
    lo, _, hi = text.partition("-")
    a, b = ipaddress.ip_address(lo), ipaddress.ip_address(hi or lo)
    if a.version == 6:
        return AddressSet(v6=((int(a), int(b)),))
    return AddressSet(v4=((int(a), int(b)),))


def parse_output(
    text: str,
) -> tuple[dict[tuple[str, str], PortSet], dict[tuple[str, str], list[tuple[AddressSet, PortSet]]]]:
    """Pairs ``(src, dst) -> ports`` and external entries ``(workload, direction) -> [(addr, ports)]``."""
    pairs: dict[tuple[str, str], PortSet] = {}
    external: dict[tuple[str, str], list[tuple[AddressSet, PortSet]]] = {}
    for line in text.splitlines():
        if " => " not in line:
            continue
        left, _, rest = line.partition(" => ")
        right, _, conn = rest.partition(" : ")
        src, dst, ports = _endpoint(left), _endpoint(right), parse_conn(conn)
        if isinstance(src, str) and isinstance(dst, str):
            pairs[(src, dst)] = pairs.get((src, dst), PortSet()) | ports
        elif isinstance(dst, str) and isinstance(src, AddressSet):
            external.setdefault((dst, "ingress"), []).append((src, ports))
        elif isinstance(src, str) and isinstance(dst, AddressSet):
            external.setdefault((src, "egress"), []).append((dst, ports))
    return pairs, external
