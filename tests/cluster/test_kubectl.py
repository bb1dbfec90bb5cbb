"""kubectl against the test server: proof that it behaves like the real API for list calls."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from stockade.scan import scan_paths
from stockade.sources.cluster import read_cluster
from stockade.sources.cluster_auth import ClusterOptions

from tests.cluster.conftest import Cluster
from tests.cluster.fixtures import cluster_objects

KUBECTL = shutil.which("kubectl") or (
    "/usr/bin/kubectl" if Path("/usr/bin/kubectl").exists() else None
)
needs_kubectl = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl is not installed on this machine"
)


def _kubectl(cluster: Cluster, *args: str) -> dict[str, Any]:
    assert KUBECTL is not None
    proc = subprocess.run(
        [
            KUBECTL,
            "--kubeconfig",
            str(cluster.kubeconfig),
            "--cache-dir",
            str(cluster.tmp / "kubectl-cache"),
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    data: dict[str, Any] = json.loads(proc.stdout)
    return data


def _strip(obj: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(json.dumps(obj))
    out["metadata"].pop("managedFields", None)
    return out


@needs_kubectl
def test_kubectl_get_pods_all_namespaces_returns_the_served_objects(cluster: Cluster) -> None:
    # A chunk size of 2 makes kubectl follow continue tokens, as against a real API server.
    data = _kubectl(cluster, "get", "pods", "-A", "-o", "json", "--chunk-size=2")
    assert data["kind"] == "List"
    served = sorted(
        (_strip(o) for o in cluster_objects() if o["kind"] == "Pod"),
        key=lambda o: o["metadata"]["name"],
    )
    got = sorted((_strip(o) for o in data["items"]), key=lambda o: o["metadata"]["name"])
    assert got == served
    assert any("continue=" in p for p, _, _ in cluster.state.requests if "/pods" in p)


@needs_kubectl
def test_kubectl_and_stockade_read_the_same_pods(cluster: Cluster) -> None:
    data = _kubectl(cluster, "get", "pods", "-A", "-o", "json")
    read = read_cluster(ClusterOptions(kubeconfig=str(cluster.kubeconfig)))
    ours = sorted(
        (_strip(o) for o in read.all_objects() if o["kind"] == "Pod"),
        key=lambda o: o["metadata"]["name"],
    )
    theirs = sorted((_strip(o) for o in data["items"]), key=lambda o: o["metadata"]["name"])
    assert ours == theirs


@needs_kubectl
def test_kubectl_secret_metadata_matches(cluster: Cluster) -> None:
    # kubectl asks for full Secrets; the server honours each client's Accept header.
    data = _kubectl(cluster, "get", "secrets", "-n", "shop", "-o", "json")
    assert [s["metadata"]["name"] for s in data["items"]] == ["db"]


@needs_kubectl
def test_kubectl_list_output_scans_as_a_list(cluster: Cluster, tmp_path: Path) -> None:
    data = _kubectl(cluster, "get", "pods", "-A", "-o", "json")
    path = tmp_path / "pods.json"
    path.write_text(json.dumps(data, indent=2))
    result = scan_paths([str(path)])
    assert not result.errors
    hits = {(f.rule, f.resource.name) for f in result.findings}
    assert ("host-network", "debug") in hits
    # From a file, findings have lines in that file.
    assert all(f.location.file == str(path) and f.location.line for f in result.findings)
