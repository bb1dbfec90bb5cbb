"""The emitted manifests are deployable, hardened, and pass `stockade scan` themselves."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml
from typer.testing import CliRunner

from stockade.admission.certs import generate_certs, service_dns_names
from stockade.cli.main import app
from stockade.model import Severity
from stockade.scan import scan_paths

IMAGE = "ghcr.io/acme/stockade:0.1.0@sha256:" + "b" * 64


def _emit(tmp_path: Path, *args: str) -> tuple[Path, list[dict[str, Any]]]:
    out = tmp_path / "webhook.yaml"
    result = CliRunner().invoke(
        app, ["webhook", "manifests", "--image", IMAGE, "-o", str(out), *args]
    )
    assert result.exit_code == 0, result.output
    return out, [d for d in yaml.safe_load_all(out.read_text()) if d]


def _by_kind(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["kind"]: d for d in docs}


def test_manifests_pass_the_scan(tmp_path: Path) -> None:
    certs = generate_certs(tmp_path / "certs", service_dns_names("stockade-webhook", "sec"))
    for extra in (
        [],
        ["--cert-dir", str(certs.ca_cert.parent)],
        ["--cert-manager"],
        ["--replicas", "4", "--cpu-request", "2"],
    ):
        out, _ = _emit(tmp_path, "--namespace", "sec", *extra)
        result = scan_paths([str(out)])
        assert not result.errors
        serious = [f for f in result.active() if f.severity.rank >= Severity.MEDIUM.rank]
        assert serious == [], [f"{f.rule}: {f.message}" for f in serious]
        # The CLI agrees: exit 0 even at the medium threshold.
        cli = CliRunner().invoke(app, ["scan", str(out), "--fail-on", "medium"])
        assert cli.exit_code == 0, cli.output


def test_manifests_shape(tmp_path: Path) -> None:
    certs = generate_certs(tmp_path / "certs", ["x"])
    _, docs = _emit(
        tmp_path,
        "--namespace",
        "sec",
        "--failure-policy",
        "Ignore",
        "--cert-dir",
        str(certs.ca_cert.parent),
        "--exempt-namespace",
        "kube-system",
        "--exempt-namespace",
        "monitoring",
    )
    kinds = _by_kind(docs)
    assert {
        "Namespace",
        "ServiceAccount",
        "Deployment",
        "PodDisruptionBudget",
        "Service",
        "ValidatingWebhookConfiguration",
        "ClusterRole",
        "ClusterRoleBinding",
    } <= set(kinds)
    dep = kinds["Deployment"]["spec"]
    assert dep["replicas"] == 2
    pod = dep["template"]["spec"]
    c = pod["containers"][0]
    sc = c["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True and sc["runAsNonRoot"] is True
    assert sc["capabilities"]["drop"] == ["ALL"]
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert c["resources"]["requests"] and c["resources"]["limits"]
    assert c["readinessProbe"]["httpGet"]["scheme"] == "HTTPS"
    assert c["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert "--namespace" in c["args"] and "sec" in c["args"]
    vwc = kinds["ValidatingWebhookConfiguration"]["webhooks"][0]
    assert vwc["admissionReviewVersions"] == ["v1"]
    assert vwc["sideEffects"] == "None"
    assert vwc["failurePolicy"] == "Ignore"
    assert 1 <= vwc["timeoutSeconds"] <= 30
    assert base64.b64decode(vwc["clientConfig"]["caBundle"]) == certs.ca_cert.read_bytes()
    expr = vwc["namespaceSelector"]["matchExpressions"][0]
    assert expr["operator"] == "NotIn"
    assert set(expr["values"]) == {"sec", "kube-system", "monitoring"}
    resources = {r for rule in vwc["rules"] for r in rule["resources"]}
    assert {"pods", "deployments", "cronjobs", "services", "configmaps"} <= resources
    assert "secrets" not in resources
    assert all(rule["operations"] == ["CREATE", "UPDATE"] for rule in vwc["rules"])
    role = kinds["ClusterRole"]["rules"]
    assert role == [
        {"apiGroups": [""], "resources": ["namespaces"], "verbs": ["get", "list", "watch"]}
    ]
    policies = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "NetworkPolicy"}
    assert policies["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    egress = policies["stockade-webhook"]["egress"]
    assert any(
        "169.254.169.254/32" in to["ipBlock"].get("except", [])
        for rule in egress
        for to in rule["to"]
        if "ipBlock" in to
    )
    pdb = kinds["PodDisruptionBudget"]["spec"]
    assert pdb["minAvailable"] == 1
    config = yaml.safe_load(kinds["ConfigMap"]["data"]["stockade.yaml"])
    assert config["admission"]["exemptions"]["namespaces"] == ["kube-system", "monitoring"]


def test_bad_manifest_options_are_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(app, ["webhook", "manifests", "--image", IMAGE, "--failure-policy", "Maybe"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["webhook", "manifests", "--image", IMAGE, "--cert-dir", str(tmp_path)])
    assert r.exit_code == 2 and "ca.crt" in r.output
    r = runner.invoke(app, ["webhook", "manifests", "--image", IMAGE, "--timeout", "60"])
    assert r.exit_code == 2
    r = runner.invoke(app, ["webhook", "manifests", "--image", IMAGE, "--replicas", "1"])
    assert r.exit_code == 2 and "at least 2" in r.output
    for bad in ("abc", "0", "-1", "1e3", "250M"):
        r = runner.invoke(app, ["webhook", "manifests", "--image", IMAGE, "--cpu-request", bad])
        assert r.exit_code == 2 and "not a CPU quantity" in r.output, bad


def test_replicas_and_cpu_request_size_the_deployment(tmp_path: Path) -> None:
    for request, limit in (("100m", "1"), ("750m", "1"), ("1", "1"), ("2500m", "2500m")):
        _, docs = _emit(tmp_path, "--replicas", "3", "--cpu-request", request)
        deployment = _by_kind(docs)["Deployment"]
        assert deployment["spec"]["replicas"] == 3
        resources = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
        assert resources["requests"]["cpu"] == request
        assert resources["limits"]["cpu"] == limit
    _, docs = _emit(tmp_path)
    deployment = _by_kind(docs)["Deployment"]
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["template"]["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "100m", "memory": "128Mi"},
        "limits": {"cpu": "1", "memory": "256Mi"},
    }
