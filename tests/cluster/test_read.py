"""Reading the test cluster through a real kubeconfig: auth, pagination, 403/404, Secrets."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import pytest

from stockade.errors import StockadeError
from stockade.sources.cluster import Progress, read_cluster
from stockade.sources.cluster_auth import ClusterOptions
from stockade.sources.select import load_inventory

from tests.cluster.apiserver import write_kubeconfig
from tests.cluster.conftest import Cluster
from tests.cluster.fixtures import SECRET_B64, SECRET_VALUE, cluster_objects


def _names(objs: list[dict[str, object]], kind: str) -> set[str]:
    return {o["metadata"]["name"] for o in objs if o["kind"] == kind}  # type: ignore[index]


def test_reads_every_served_kind_across_pages(cluster: Cluster) -> None:
    seen: list[Progress] = []
    read = read_cluster(
        ClusterOptions(kubeconfig=str(cluster.kubeconfig), page_size=1), seen.append
    )
    expected = [o for o in cluster_objects() if o["kind"] != "ConfigMap"]
    assert read.count == len(expected)
    assert _names(list(read.all_objects()), "Pod") == {"api-5d8f-x1", "debug", "coredns-1"}
    assert read.context == "test"
    # Three pods with limit=1 need two continue tokens.
    pod_requests = [p for p, _, _ in cluster.state.requests if p.startswith("/api/v1/pods?")]
    assert sum("continue=" in p for p in pod_requests) >= 2
    assert seen and seen[-1].done == seen[-1].total and seen[-1].objects == len(expected)


def test_forbidden_and_missing_kinds_are_reported(cluster: Cluster) -> None:
    read = read_cluster(ClusterOptions(kubeconfig=str(cluster.kubeconfig)))
    by_kind = {u.kind: u for u in read.unreadable}
    assert set(by_kind) == {"ConfigMap", "CustomResourceDefinition"}
    assert by_kind["ConfigMap"].status == 403 and "forbidden" in by_kind["ConfigMap"].reason
    assert by_kind["CustomResourceDefinition"].status == 404


def test_secrets_cross_the_wire_as_metadata_only(cluster: Cluster) -> None:
    cluster.state.requests.clear()
    read = read_cluster(ClusterOptions(kubeconfig=str(cluster.kubeconfig)))
    secret_calls = [(a, sent) for p, a, sent in cluster.state.requests if "/secrets" in p]
    assert secret_calls and all(sent == "partial" for _, sent in secret_calls)
    [secret] = [o for o in read.all_objects() if o["kind"] == "Secret"]
    assert set(secret) == {"apiVersion", "kind", "metadata"}
    dump = orjson.dumps(list(read.all_objects())).decode()
    assert SECRET_B64 not in dump and SECRET_VALUE not in dump
    assert "last-applied-configuration" not in orjson.dumps(secret).decode()


def test_namespaces_limit_namespaced_lists(cluster: Cluster) -> None:
    cluster.state.requests.clear()
    src = load_inventory(
        [], ClusterOptions(kubeconfig=str(cluster.kubeconfig), namespaces=("shop",))
    )
    paths = [p for p, _, _ in cluster.state.requests]
    assert "/api/v1/namespaces/shop/pods?limit=500" in paths
    assert not any(p.startswith("/api/v1/pods") for p in paths)
    assert {r.effective_namespace() for r in src.inventory if src.inventory.is_namespaced(r)} == {
        "shop"
    }
    assert [r.name for r in src.inventory.of_kind("Namespace")] == ["shop"]
    assert all(r.origin.live and r.origin.file == "cluster:test" for r in src.inventory)
    # The ReplicaSet and Pod of the Deployment are folded into it.
    assert {r.kind for r in src.inventory if r.namespace == "shop"} >= {"Deployment", "Secret"}
    assert not src.inventory.of_kind("ReplicaSet", "Pod")


def test_wrong_token_is_a_clear_error(cluster: Cluster, tmp_path: Path) -> None:
    bad = write_kubeconfig(tmp_path / "kc", cluster.server.url, cluster.server.certs.ca, "wrong")
    with pytest.raises(StockadeError) as info:
        read_cluster(ClusterOptions(kubeconfig=str(bad)))
    assert "401" in info.value.diagnostics() and "wrong" not in info.value.diagnostics()


def test_missing_context_is_a_clear_error(cluster: Cluster) -> None:
    with pytest.raises(StockadeError) as info:
        read_cluster(ClusterOptions(kubeconfig=str(cluster.kubeconfig), context="nope"))
    assert "nope" in info.value.diagnostics()


def test_exec_credential_plugin_and_kubeconfig_env(
    cluster: Cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plugin = tmp_path / "plugin.py"
    cred = {
        "apiVersion": "client.authentication.k8s.io/v1",
        "kind": "ExecCredential",
        "status": {"token": cluster.state.token},
    }
    plugin.write_text(f"print({orjson.dumps(cred).decode()!r})\n")
    doc = orjson.loads(cluster.kubeconfig.read_bytes())
    doc["users"] = [
        {
            "name": "scanner",
            "user": {
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1",
                    "command": sys.executable,
                    "args": [str(plugin)],
                    "interactiveMode": "Never",
                }
            },
        }
    ]
    doc["contexts"].append({"name": "exec", "context": {"cluster": "test", "user": "scanner"}})
    kc = tmp_path / "kubeconfig-exec"
    kc.write_bytes(orjson.dumps(doc))
    monkeypatch.setenv("KUBECONFIG", str(kc))
    read = read_cluster(ClusterOptions(context="exec"))
    assert read.context == "exec"
    assert _names(read.objects, "Deployment") == {"api"}
