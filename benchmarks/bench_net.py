"""Benchmark ``stockade net`` against network-config-analyzer (NCA) 2.1.0, whole processes.

Usage::

    python benchmarks/bench_net.py                 # NCA 500/100, large grouped case
    python benchmarks/bench_net.py --with-2000     # also NCA 2,000 workloads / 400 policies
    python benchmarks/bench_net.py --skip-nca      # only Stockade

Inputs come from ``benchmarks/netpol_corpus.py`` (deterministic). Each tool runs as its own
process; wall time and peak RSS are measured per process (``os.wait4``). For the NCA cases
both tools write a per-pair map (NCA ``-o txt_no_fw_rules --output_endpoints deployments``,
Stockade ``net matrix -f json``) and the two maps are compared pair by pair. The large case
(500 namespaces, 10,000 workloads, 2,000 policies) runs ``net matrix --group -f json``.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from netpol_corpus import generate, write  # noqa: E402
from peak import measure as measure_command  # noqa: E402


def _nca_parser() -> Any:
    spec = importlib.util.spec_from_file_location(
        "nca_parse", HERE.parent / "tests" / "network" / "nca.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure(cmd: list[str]) -> tuple[float, float, float]:
    """Run ``cmd``; return (wall seconds, CPU seconds, peak RSS MB) of that process.

    CPU time (user + system) is reported beside wall time because the machine may be shared:
    wall time then includes waiting for a core.
    """
    run = measure_command(cmd)
    if run.returncode != 0:
        raise SystemExit(f"{cmd[0]} failed ({run.returncode}): {run.stderr[-2000:]}")
    return run.wall, run.cpu, run.rss_mb


def stockade_bin() -> str:
    found = Path(sys.executable).with_name("stockade")
    return str(found) if found.exists() else (shutil.which("stockade") or "stockade")


def nca_bin() -> str | None:
    found = Path(sys.executable).with_name("nca")
    return str(found) if found.exists() else shutil.which("nca")


def compare(nca_out: Path, ours_out: Path) -> str:
    parser = _nca_parser()
    theirs, _ = parser.parse_output(nca_out.read_text())
    doc = json.loads(ours_out.read_text())
    from stockade.network.ports import PortSet, parse_port_label, union_all

    ours = {
        (c["from"], c["to"]): union_all([parse_port_label(x) for x in c["ports"]])
        for c in doc["connections"]
    }
    diff = [
        k for k in set(ours) | set(theirs) if ours.get(k, PortSet()) != theirs.get(k, PortSet())
    ]
    return (
        f"{len(ours)} pairs, identical"
        if not diff
        else f"{len(diff)} of {len(ours)} pairs DIFFER, e.g. {sorted(diff)[:3]}"
    )


def nca_case(work: Path, namespaces: int, policies: int) -> dict[str, Any]:
    d = work / f"nca-{namespaces}"
    objs = generate(namespaces, 20, policies)
    write(objs, d)
    workloads = sum(o["kind"] == "Deployment" for o in objs)
    nca = nca_bin()
    assert nca is not None, "network-config-analyzer is not installed: pip install -e '.[oracle]'"
    nca_out, ours_out = work / f"nca-{namespaces}.txt", work / f"ours-{namespaces}.json"
    nca_out.unlink(missing_ok=True)  # NCA appends to -f
    nca_wall, nca_cpu, nca_rss = measure(
        [
            nca,
            "--connectivity",
            "-r",
            str(d),
            "-n",
            f"{d}/",
            "-o",
            "txt_no_fw_rules",
            "--output_endpoints",
            "deployments",
            "-f",
            str(nca_out),
        ]
    )
    our_wall, our_cpu, our_rss = measure(
        [stockade_bin(), "net", "matrix", str(d), "-f", "json", "-o", str(ours_out)]
    )
    return {
        "case": f"{workloads} workloads / {policies} policies (per pair)",
        "nca_s": nca_wall,
        "nca_cpu_s": nca_cpu,
        "nca_mb": nca_rss,
        "stockade_s": our_wall,
        "stockade_cpu_s": our_cpu,
        "stockade_mb": our_rss,
        "speedup": nca_wall / our_wall,
        "speedup_cpu": nca_cpu / our_cpu,
        "agreement": compare(nca_out, ours_out),
    }


def large_case(work: Path) -> dict[str, Any]:
    d = work / "large"
    objs = generate(500, 20, 2000)
    write(objs, d)
    workloads = sum(o["kind"] == "Deployment" for o in objs)
    out = work / "large.json"
    wall, cpu, rss = measure(
        [stockade_bin(), "net", "matrix", str(d), "--group", "-f", "json", "-o", str(out)]
    )
    doc = json.loads(out.read_text())
    return {
        "case": f"500 namespaces, {workloads} workloads, 2000 policies (--group)",
        "stockade_s": wall,
        "stockade_cpu_s": cpu,
        "stockade_mb": rss,
        "groups": len(doc["groups"]),
        "group_connections": len(doc["connections"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--skip-nca", action="store_true")
    ap.add_argument(
        "--with-2000",
        action="store_true",
        help="also the 2,000-workload NCA case (NCA needs minutes)",
    )
    ap.add_argument("--keep", type=Path, help="keep inputs and outputs in this directory")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-net-"))
    work.mkdir(parents=True, exist_ok=True)
    results = []
    if not args.skip_nca:
        results.append(nca_case(work, 25, 100))
        if args.with_2000:
            results.append(nca_case(work, 100, 400))
    results.append(large_case(work))
    for r in results:
        print(json.dumps({k: round(v, 2) if isinstance(v, float) else v for k, v in r.items()}))
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
