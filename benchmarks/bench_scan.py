"""Scan speed and memory against the parse-only floor.

Generates a deterministic synthetic corpus of N workloads (Deployments, StatefulSets, DaemonSets,
CronJobs with Services, ServiceAccounts, RBAC and NetworkPolicies mixed in), then measures:

* parse only: every file loaded with PyYAML's C loader (``yaml.load_all`` + ``CSafeLoader``);
* ``stockade scan DIR --format json`` as a separate process: wall time and peak RSS.

Usage::

    python benchmarks/bench_scan.py --workloads 5000 [--runs 3] [--keep DIR]

Goal (issue "Foundation"): for 5,000 workloads the scan within 2.5x the parse-only time and under
400 MB peak RSS.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
from peak import measure

PER_FILE = 25
KINDS = ("Deployment", "StatefulSet", "DaemonSet", "CronJob")


def _container(rng: random.Random, i: int, hardened: bool) -> dict[str, object]:
    c: dict[str, object] = {
        "name": f"app-{i}",
        "image": rng.choice(
            [
                f"ghcr.io/acme/svc-{i % 97}:1.{i % 13}.0",
                "nginx:latest",
                f"registry.example.com/team/api-{i % 31}@sha256:" + "ab" * 32,
                "redis",
            ]
        ),
        "ports": [{"containerPort": 8080 + (i % 5), "name": "http"}],
        "env": [
            {"name": "LOG_LEVEL", "value": "info"},
            {
                "name": "DB_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": f"db-{i}", "key": "pw"}},
            },
        ],
    }
    if hardened:
        c["securityContext"] = {
            "runAsNonRoot": True,
            "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": True,
            "capabilities": {"drop": ["ALL"]},
        }
        c["resources"] = {
            "requests": {"cpu": "100m", "memory": "128Mi"},
            "limits": {"cpu": "500m", "memory": "256Mi"},
        }
    elif rng.random() < 0.2:
        c["securityContext"] = {"privileged": True, "capabilities": {"add": ["NET_ADMIN"]}}
    return c


def _workload(rng: random.Random, i: int) -> list[dict[str, object]]:
    ns = f"team-{i % 50}"
    name = f"svc-{i}"
    labels = {"app": name, "tier": rng.choice(["web", "api", "worker", "db"])}
    hardened = rng.random() < 0.5
    pod_spec: dict[str, object] = {
        "serviceAccountName": name,
        "containers": [_container(rng, i, hardened)],
    }
    if rng.random() < 0.3:
        pod_spec["initContainers"] = [_container(rng, i + 100_000, hardened)]
    if rng.random() < 0.05:
        pod_spec["hostNetwork"] = True
        pod_spec["volumes"] = [{"name": "host", "hostPath": {"path": "/var/log"}}]
    template = {"metadata": {"labels": labels}, "spec": pod_spec}
    kind = KINDS[i % len(KINDS)]
    meta = {"name": name, "namespace": ns, "labels": labels}
    if kind == "CronJob":
        pod_spec["restartPolicy"] = "OnFailure"
        spec: dict[str, object] = {
            "schedule": "*/5 * * * *",
            "jobTemplate": {"spec": {"template": template}},
        }
    else:
        spec = {"selector": {"matchLabels": labels}, "template": template}
    docs: list[dict[str, object]] = [
        {
            "apiVersion": "batch/v1" if kind == "CronJob" else "apps/v1",
            "kind": kind,
            "metadata": meta,
            "spec": spec,
        },
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": name, "namespace": ns},
            "spec": {
                "type": rng.choice(["ClusterIP", "ClusterIP", "NodePort", "LoadBalancer"]),
                "selector": labels,
                "ports": [{"port": 80, "targetPort": "http"}],
            },
        },
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name, "namespace": ns}},
    ]
    if i % 5 == 0:
        docs.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": f"{name}-reader", "namespace": ns},
                "rules": [
                    {
                        "apiGroups": [""],
                        "resources": ["configmaps", "secrets"],
                        "verbs": ["get", "list"],
                    }
                ],
            }
        )
        docs.append(
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": f"{name}-reader", "namespace": ns},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": f"{name}-reader",
                },
                "subjects": [{"kind": "ServiceAccount", "name": name, "namespace": ns}],
            }
        )
    if i % 4 == 0:
        docs.append(
            {
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": f"{name}-ingress", "namespace": ns},
                "spec": {
                    "podSelector": {"matchLabels": {"app": name}},
                    "policyTypes": ["Ingress"],
                    "ingress": [
                        {
                            "from": [{"podSelector": {"matchLabels": {"tier": "web"}}}],
                            "ports": [{"port": "http"}],
                        }
                    ],
                },
            }
        )
    return docs


def generate(root: Path, workloads: int, seed: int = 7) -> int:
    """Write the corpus; returns the number of documents."""
    rng = random.Random(seed)
    root.mkdir(parents=True, exist_ok=True)
    batch: list[dict[str, object]] = []
    n_docs = 0
    file_no = 0
    for i in range(workloads):
        batch.extend(_workload(rng, i))
        if (i + 1) % PER_FILE == 0 or i == workloads - 1:
            path = root / f"team-{file_no // 20:03d}" / f"apps-{file_no:05d}.yaml"
            path.parent.mkdir(exist_ok=True)
            path.write_text(yaml.dump_all(batch, Dumper=yaml.CSafeDumper, sort_keys=False))
            n_docs += len(batch)
            batch = []
            file_no += 1
    return n_docs


def parse_only(root: Path) -> float:
    """Seconds to load every file with the C loader, nothing else."""
    start = time.perf_counter()
    for path in sorted(root.rglob("*.yaml")):
        for _ in yaml.load_all(path.read_text(), Loader=yaml.CSafeLoader):
            pass
    return time.perf_counter() - start


def scan_once(root: Path) -> tuple[float, float, int]:
    """(seconds, peak RSS in MB, findings) of one ``stockade scan`` process."""
    run = measure(
        [
            sys.executable,
            "-m",
            "stockade",
            "scan",
            str(root),
            "--format",
            "json",
            "--fail-on",
            "never",
        ],
        capture_stdout=True,
    )
    if run.returncode != 0:
        raise SystemExit(f"scan failed ({run.returncode}): {run.stderr[-2000:]}")
    findings = json.loads(run.stdout)["summary"]["findings"]
    return run.wall, run.rss_mb, findings


def _instructions(argv: list[str]) -> int:
    """Instructions executed by a Python process, counted by valgrind (repeatable under load)."""
    proc = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, *argv],
        capture_output=True,
        text=True,
        check=False,
    )
    for line in proc.stderr.splitlines():
        if "Collected :" in line:
            return int(line.rsplit(":", 1)[1].strip())
    raise SystemExit(f"valgrind gave no count: {proc.stderr[-1000:]}")


def instruction_ratio(root: Path) -> tuple[int, int]:
    """(parse-only, scan) instruction counts of two whole processes."""
    parse_code = (
        "import sys, yaml\n"
        "from pathlib import Path\n"
        "for p in sorted(Path(sys.argv[1]).rglob('*.yaml')):\n"
        "    for _ in yaml.load_all(p.read_text(), Loader=yaml.CSafeLoader): pass\n"
    )
    parse = _instructions(["-c", parse_code, str(root)])
    scan = _instructions(
        [
            "-c",
            "from stockade.cli.main import main; main()",
            "scan",
            str(root),
            "-f",
            "json",
            "--fail-on",
            "never",
            "-o",
            "/dev/null",
        ]
    )
    return parse, scan


def main() -> None:
    """Generate, measure, print a summary (and JSON with --json)."""
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--workloads", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--keep", type=Path, help="Write the corpus here and keep it.")
    ap.add_argument("--json", action="store_true", help="Print the figures as JSON.")
    ap.add_argument(
        "--instructions",
        action="store_true",
        help="Also count instructions with valgrind (slow, but independent of machine load).",
    )
    args = ap.parse_args()
    root = args.keep or Path(tempfile.mkdtemp(prefix="stockade-bench-"))
    try:
        docs = generate(root, args.workloads)
        size_mb = sum(p.stat().st_size for p in root.rglob("*.yaml")) / 1e6
        parse = [parse_only(root) for _ in range(args.runs)]
        scans = [scan_once(root) for _ in range(args.runs)]
        parse_s = statistics.median(parse)
        scan_s = statistics.median(s[0] for s in scans)
        rss = max(s[1] for s in scans)
        figures: dict[str, float | int] = {
            "workloads": args.workloads,
            "documents": docs,
            "megabytes": round(size_mb, 1),
            "parse_only_s": round(parse_s, 2),
            "scan_s": round(scan_s, 2),
            "ratio": round(scan_s / parse_s, 2),
            "peak_rss_mb": round(rss),
            "findings": scans[0][2],
        }
        if args.instructions:
            parse_i, scan_i = instruction_ratio(root)
            figures["parse_only_instructions"] = parse_i
            figures["scan_instructions"] = scan_i
            figures["instruction_ratio"] = round(scan_i / parse_i, 2)
        if args.json:
            print(json.dumps(figures))
        else:
            print(
                f"{args.workloads} workloads, {docs} documents, {size_mb:.1f} MB\n"
                f"parse only (CSafeLoader): {parse_s:.2f} s\n"
                f"stockade scan:            {scan_s:.2f} s  ({scan_s / parse_s:.2f}x parse)  "
                f"peak RSS {rss:.0f} MB, {scans[0][2]} findings"
            )
            if args.instructions:
                print(
                    f"instructions: parse {figures['parse_only_instructions'] / 1e9:.1f} G, "
                    f"scan {figures['scan_instructions'] / 1e9:.1f} G "
                    f"({figures['instruction_ratio']}x)"
                )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
