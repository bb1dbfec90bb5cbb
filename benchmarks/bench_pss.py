"""Time that exact Pod Security Standards evaluation adds to parsing.

Generates a deterministic corpus of N workloads (Pods, Deployments, StatefulSets, DaemonSets,
Jobs, CronJobs; hardened, default and insecure pod specs), writes it as YAML files, then
measures the CPU time of this process (robust on a shared machine), as the median of several
runs:

* parse: ``stockade.sources.files.load_paths`` over the directory (libyaml C loader, resources
  with origins);
* templates: ``Inventory(...).pod_templates()`` (finding the pod template in every kind);
* pss: every PSS check at ``restricted`` (``evaluate_pod`` at ``latest``) on every template;
* with ``--all-versions``: the same at each of v1.0 … v1.37 (38 evaluations per template).

Usage::

    python benchmarks/bench_pss.py --workloads 5000 [--runs 5] [--seed 7] [--all-versions]

Goal (issue 3): evaluating all PSS checks at restricted on 5,000 workloads adds little to the
parse time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

from stockade.inventory import Inventory, PodTemplate
from stockade.pss import LATEST, Level, evaluate_pod, parse_version
from stockade.sources.files import LoadOptions, load_paths

PER_FILE = 25
KINDS = ("Pod", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob")


def _container(rng: random.Random, name: str, style: str) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": name,
        "image": f"ghcr.io/acme/{name}:1.{rng.randrange(20)}",
        "ports": [{"containerPort": 8080}],
    }
    if style == "hardened":
        c["securityContext"] = {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"], "add": rng.choice([[], ["NET_BIND_SERVICE"]])},
            "readOnlyRootFilesystem": True,
        }
    elif style == "insecure":
        c["securityContext"] = rng.choice(
            [
                {"privileged": True},
                {"capabilities": {"add": ["SYS_ADMIN", "NET_RAW"]}},
                {"runAsUser": 0, "procMount": "Unmasked"},
                {"seccompProfile": {"type": "Unconfined"}},
            ]
        )
        if rng.random() < 0.3:
            c["ports"][0]["hostPort"] = 80
        if rng.random() < 0.2:
            c["livenessProbe"] = {"httpGet": {"host": "169.254.169.254", "port": 80}}
    return c


def _pod(rng: random.Random, i: int) -> dict[str, Any]:
    style = rng.choice(["hardened", "hardened", "default", "insecure"])
    spec: dict[str, Any] = {
        "containers": [_container(rng, f"app{i}-{j}", style) for j in range(rng.randint(1, 3))],
    }
    if rng.random() < 0.3:
        spec["initContainers"] = [_container(rng, f"init{i}", style)]
    if style == "hardened":
        spec["securityContext"] = {
            "runAsNonRoot": True,
            "runAsUser": 10000 + i,
            "seccompProfile": {"type": "RuntimeDefault"},
        }
        spec["volumes"] = [{"name": "tmp", "emptyDir": {}}, {"name": "cfg", "configMap": {}}]
    elif style == "insecure":
        spec["hostNetwork"] = rng.random() < 0.3
        spec["volumes"] = [{"name": "root", "hostPath": {"path": "/"}}]
        spec["securityContext"] = {"sysctls": [{"name": "kernel.msgmax", "value": "65536"}]}
    meta: dict[str, Any] = {"labels": {"app": f"svc-{i}"}}
    if style == "insecure" and rng.random() < 0.3:
        meta["annotations"] = {
            f"container.apparmor.security.beta.kubernetes.io/app{i}-0": "unconfined"
        }
    return {"metadata": meta, "spec": spec}


def _workload(rng: random.Random, i: int) -> dict[str, Any]:
    kind = KINDS[i % len(KINDS)]
    pod = _pod(rng, i)
    meta = {"name": f"w{i}", "namespace": f"team-{i % 40}"}
    if kind == "Pod":
        return {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {**meta, **pod["metadata"]},
            "spec": pod["spec"],
        }
    if kind == "CronJob":
        return {
            "apiVersion": "batch/v1",
            "kind": kind,
            "metadata": meta,
            "spec": {"schedule": "@hourly", "jobTemplate": {"spec": {"template": pod}}},
        }
    api = "batch/v1" if kind == "Job" else "apps/v1"
    return {"apiVersion": api, "kind": kind, "metadata": meta, "spec": {"template": pod}}


def generate(directory: Path, workloads: int, seed: int) -> None:
    """Write ``workloads`` objects, PER_FILE per multi-document file."""
    rng = random.Random(seed)
    docs = [_workload(rng, i) for i in range(workloads)]
    for start in range(0, workloads, PER_FILE):
        chunk = docs[start : start + PER_FILE]
        (directory / f"w{start // PER_FILE:04d}.yaml").write_text(
            yaml.safe_dump_all(chunk, sort_keys=False)
        )


def _median(runs: int, fn: Callable[[], object]) -> tuple[float, object]:
    times: list[float] = []
    result: object = None
    for _ in range(runs):
        t0 = time.process_time()
        result = fn()
        times.append(time.process_time() - t0)
    return statistics.median(times), result


def main() -> None:
    """Generate, measure, print a short report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workloads", type=int, default=5000)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument(
        "--all-versions", action="store_true", help="Also time restricted at v1.0 … v1.37."
    )
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        generate(root, args.workloads, args.seed)
        opts = LoadOptions(render=False)
        t_parse, loaded = _median(args.runs, lambda: load_paths([str(root)], opts))
        resources = loaded.resources  # type: ignore[attr-defined]
        t_templates, templates = _median(args.runs, lambda: Inventory(resources).pod_templates())
        pts: list[PodTemplate] = templates  # type: ignore[assignment]

        def restricted() -> int:
            return sum(
                not evaluate_pod(p.meta, p.spec, Level.RESTRICTED, LATEST).allowed for p in pts
            )

        versions = [parse_version(f"v1.{n}") for n in range(38)]

        def every_version() -> int:
            return sum(
                not evaluate_pod(p.meta, p.spec, Level.RESTRICTED, v).allowed
                for p in pts
                for v in versions
            )

        t_pss, denied = _median(args.runs, restricted)
        t_all = _median(1, every_version)[0] if args.all_versions else None

    n = len(pts)
    print(
        f"workloads: {args.workloads} generated, {n} pod templates, {denied} denied at restricted"
    )
    print(f"parse (load_paths):           {t_parse * 1000:8.1f} ms")
    print(f"pod templates:                {t_templates * 1000:8.1f} ms")
    print(
        f"PSS restricted@latest:        {t_pss * 1000:8.1f} ms  "
        f"({t_pss / n * 1e6:.1f} us/workload, {t_pss / t_parse:.1%} of parse time)"
    )
    if t_all is not None:
        print(
            f"PSS restricted, 38 versions:  {t_all * 1000:8.1f} ms  "
            f"({t_all / (n * 38) * 1e6:.1f} us/evaluation)"
        )


if __name__ == "__main__":
    main()
