"""The commands against the test cluster: scan, snapshot, scan of the snapshot, inventory."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stockade.cli.main import app

from tests.cluster.conftest import Cluster
from tests.cluster.fixtures import SECRET_B64, SECRET_VALUE

runner = CliRunner()


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "250"})
    return result.exit_code, result.stdout + (result.stderr if result.stderr_bytes else "")


def _cluster_args(cluster: Cluster) -> list[str]:
    return ["--cluster", "--kubeconfig", str(cluster.kubeconfig)]


@pytest.fixture(scope="module")
def snapshot(cluster: Cluster, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("snap") / "prod.json.gz"
    code, text = invoke("snapshot", *_cluster_args(cluster), "-o", str(out))
    assert code == 0, text
    assert "ConfigMap" in text  # what could not be read is said
    return out


def _scan_json(*args: str) -> dict[str, Any]:
    code, out = invoke("scan", *args, "--format", "json", "--fail-on", "never")
    assert code == 0, out
    data: dict[str, Any] = json.loads(out[: out.rindex("}") + 1])
    return data


@pytest.fixture(scope="module")
def live(cluster: Cluster) -> dict[str, Any]:
    return _scan_json(*_cluster_args(cluster))


def test_scan_cluster_and_its_snapshot_give_identical_findings(
    live: dict[str, Any], snapshot: Path
) -> None:
    offline = _scan_json(str(snapshot))
    assert live["findings"] == offline["findings"]
    assert live["not_evaluated"] == offline["not_evaluated"]
    rules = {(f["rule"], f["resource"]["kind"], f["resource"]["name"]) for f in live["findings"]}
    assert ("privileged-container", "Deployment", "api") in rules
    assert ("secret-not-rotated", "Secret", "db") in rules
    assert ("host-network", "Pod", "debug") in rules
    # Pods and ReplicaSets a Deployment owns are reported through the Deployment only.
    assert not any(kind == "ReplicaSet" or name == "api-5d8f-x1" for _, kind, name in rules)


def test_unreadable_kinds_name_the_rules_they_affect(live: dict[str, Any]) -> None:
    entries = live["not_evaluated"]
    assert isinstance(entries, list)
    configmap = [n for n in entries if n.get("scope") == "ConfigMap"]
    assert configmap and "secret-in-env-literal" in configmap[0]["rules"]
    assert "403" in configmap[0]["reason"]
    values = [n for n in entries if "plaintext-secret-manifest" in n["rules"]]
    assert values, "a rule needing manifest files must be reported as not evaluated"
    passed_ids = {f["rule"] for f in live["findings"]}
    assert "secret-in-env-literal" not in passed_ids


def test_findings_on_live_objects_name_their_last_manager(live: dict[str, Any]) -> None:
    [priv] = [
        f
        for f in live["findings"]
        if f["rule"] == "privileged-container" and f["resource"]["kind"] == "Deployment"
    ]
    assert priv["managed_by"] == {
        "manager": "kube-controller-manager",
        "operation": "Update",
        "time": "2024-05-02T10:00:05Z",
    }
    assert priv["location"]["file"] == "cluster:test"


def test_snapshot_format_is_a_list_with_a_versioned_header(snapshot: Path) -> None:
    data = json.loads(gzip.decompress(snapshot.read_bytes()))
    assert data["kind"] == "List" and data["apiVersion"] == "v1"
    head = data["snapshot"]
    assert head["format"] == "stockade.dev/snapshot" and head["version"] == 1
    assert {u["kind"] for u in head["unreadable"]} == {"ConfigMap", "CustomResourceDefinition"}
    assert head["objects"] == len(data["items"])
    # The snapshot keeps every object read, owned ones too.
    assert {i["kind"] for i in data["items"]} >= {"ReplicaSet", "Pod", "Deployment", "Secret"}


def test_snapshot_loads_whatever_its_name(snapshot: Path, tmp_path: Path) -> None:
    renamed = tmp_path / "capture.json"
    renamed.write_bytes(snapshot.read_bytes())  # still gzip, no .gz suffix
    plain = tmp_path / "plain.json"
    plain.write_bytes(gzip.decompress(snapshot.read_bytes()))
    a = _scan_json(str(renamed))
    b = _scan_json(str(plain))
    assert a["findings"] == b["findings"] and a["findings"]


def test_newer_snapshot_version_is_an_input_error(snapshot: Path, tmp_path: Path) -> None:
    data = json.loads(gzip.decompress(snapshot.read_bytes()))
    data["snapshot"]["version"] = 99
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps(data))
    code, out = invoke("scan", str(newer), "--format", "json")
    assert code == 2
    assert "version 99" in out


def test_no_secret_value_in_any_output(
    cluster: Cluster, snapshot: Path, live: dict[str, Any]
) -> None:
    outputs = [gzip.decompress(snapshot.read_bytes()).decode(), json.dumps(live)]
    outputs.append(invoke("scan", *_cluster_args(cluster), "--format", "table", "--explain")[1])
    for fmt in ("json", "sarif", "junit"):
        outputs.append(invoke("scan", str(snapshot), "--format", fmt)[1])
    for fmt in ("table", "json"):
        outputs.append(invoke("inventory", *_cluster_args(cluster), "--format", fmt)[1])
    for text in outputs:
        assert text
        assert SECRET_VALUE not in text and SECRET_B64 not in text
        assert "last-applied-configuration" not in text


def test_inventory_lists_managers_images_accounts_and_exposure(cluster: Cluster) -> None:
    code, out = invoke("inventory", *_cluster_args(cluster), "--format", "json")
    assert code == 0, out
    data = json.loads(out[: out.rindex("}") + 1])
    by_name = {(w["kind"], w["name"]): w for w in data["workloads"]}
    api = by_name[("Deployment", "api")]
    assert api["managers"] == [
        "argocd-controller",
        "kube-controller-manager",
        "kubectl-client-side-apply",
    ]
    assert api["lastChange"]["manager"] == "kube-controller-manager"
    assert api["images"] == ["ghcr.io/acme/api:latest"]
    assert api["serviceAccount"] == "api"
    exposure = {(e["kind"], e["name"], e["detail"]) for e in api["exposure"]}
    assert exposure == {
        ("Service", "api", "LoadBalancer 443/TCP"),
        ("Ingress", "api", "shop.example.com"),
    }
    assert by_name[("Pod", "debug")]["exposure"] == []
    assert by_name[("Pod", "debug")]["serviceAccount"] == "default"
    code, table = invoke("inventory", *_cluster_args(cluster))
    assert code == 0 and "argocd-controller" in table and "Deployment/shop/api" in table


def test_cluster_flags_without_cluster_are_a_usage_error() -> None:
    code, _ = invoke("scan", "--context", "prod")
    assert code == 2


def test_unreachable_cluster_is_a_clear_error(tmp_path: Path, cluster: Cluster) -> None:
    from tests.cluster.apiserver import write_kubeconfig

    kc = write_kubeconfig(tmp_path / "kc", "https://127.0.0.1:9", cluster.server.certs.ca, "t")
    code, out = invoke("scan", "--cluster", "--kubeconfig", str(kc))
    assert code == 2
    assert "could not reach" in out and "Traceback" not in out


def test_inventory_works_on_manifest_files() -> None:
    from tests.conftest import REPO

    code, out = invoke("inventory", str(REPO / "examples" / "insecure"), "--format", "json")
    assert code == 0, out
    data = json.loads(out[: out.rindex("}") + 1])
    assert data["workloads"] and not any(w["live"] for w in data["workloads"])
    assert all(w["lastChange"] is None for w in data["workloads"])
