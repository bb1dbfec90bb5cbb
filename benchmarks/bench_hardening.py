"""Cost of the cluster-hardening checks.

1. A live-cluster-sized inventory: N ordinary pods (default 20,000) plus the mirror pods of three
   control-plane nodes, all generated deterministically. Runs only the control-plane category
   (the visibility pass and every control-plane rule) and reports the time per scan.
2. `--node` on the broken fixture tree (tests/fixtures/node/broken): load + scan, per run.

    python benchmarks/bench_hardening.py
    python benchmarks/bench_hardening.py --pods 50000 --repeat 5
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from stockade.inventory.index import Inventory
from stockade.inventory.resource import Origin, Resource
from stockade.model import Category
from stockade.policy.config import Config
from stockade.rules.catalogue import load_catalogue
from stockade.scan import ScanSettings, scan_inventory, scan_load_result
from stockade.sources.nodefiles import load_node

REPO = Path(__file__).resolve().parents[1]


def _pod(name: str, ns: str, command: list[str]) -> Resource:
    obj: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": ns},
        "spec": {
            "containers": [{"name": name.rsplit("-", 1)[0], "image": "app:1", "command": command}]
        },
    }
    return Resource.from_object(obj, Origin("cluster", live=True))


def inventory(pods: int) -> Inventory:
    out = [
        _pod(f"app{i}-x", f"ns{i % 50}", ["/app", f"--port={8000 + i % 10}"]) for i in range(pods)
    ]
    for node in ("cp1", "cp2", "cp3"):
        out.append(
            _pod(
                f"kube-apiserver-{node}",
                "kube-system",
                ["kube-apiserver", "--authorization-mode=Node,RBAC", "--profiling=false"],
            )
        )
        out.append(
            _pod(
                f"kube-controller-manager-{node}",
                "kube-system",
                ["kube-controller-manager", "--bind-address=127.0.0.1"],
            )
        )
        out.append(_pod(f"kube-scheduler-{node}", "kube-system", ["kube-scheduler"]))
        out.append(_pod(f"etcd-{node}", "kube-system", ["etcd", "--client-cert-auth=true"]))
    return Inventory(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pods", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    only = [r.id for r in load_catalogue() if r.meta.category is Category.CONTROL_PLANE]
    settings = ScanSettings(
        config=Config.model_validate({"rules": {"only": only}}), hardening=True, locate=False
    )
    inv = inventory(args.pods)
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = scan_inventory(inv, settings)
        best = min(best, time.perf_counter() - t0)
    print(
        f"{len(only)} control-plane rules over {len(inv):,} resources: "
        f"{best * 1000:.1f} ms (best of {args.repeat}), {len(result.findings)} findings"
    )
    root = REPO / "tests" / "fixtures" / "node" / "broken"
    best = float("inf")
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        result = scan_load_result(load_node(root), ScanSettings(hardening=True))
        best = min(best, time.perf_counter() - t0)
    print(
        f"--node {root.name}: {best * 1000:.1f} ms (best of {args.repeat}), "
        f"{len(result.findings)} findings"
    )


if __name__ == "__main__":
    main()
