"""``stockade rbac`` end to end: the who-can JSON contract, can, secrets, workloads, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockade.cli.main import app

runner = CliRunner()

SECRET_VALUE = "aHVudGVyMg=="

MANIFESTS = f"""\
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {{name: secret-reader}}
rules:
- apiGroups: [""]
  resources: [secrets]
  verbs: [get]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: read-secrets, namespace: payments}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: secret-reader}}
subjects:
- {{kind: ServiceAccount, name: api, namespace: payments}}
- {{kind: Group, name: auditors, apiGroup: rbac.authorization.k8s.io}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {{name: ops-edit, namespace: payments}}
roleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}}
subjects:
- {{kind: User, name: ops, apiGroup: rbac.authorization.k8s.io}}
---
apiVersion: v1
kind: Secret
metadata: {{name: db-password, namespace: payments}}
data: {{password: {SECRET_VALUE}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {{name: api, namespace: payments}}
spec:
  template:
    spec:
      serviceAccountName: api
      containers:
      - name: api
        image: api:1
        envFrom: [{{secretRef: {{name: db-password}}}}]
"""


@pytest.fixture
def k8s(tmp_path: Path) -> str:
    path = tmp_path / "rbac.yaml"
    path.write_text(MANIFESTS)
    return str(path)


def test_who_can_json_contract(k8s: str) -> None:
    result = runner.invoke(
        app, ["rbac", "who-can", "get", "secrets", "-n", "payments", k8s, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert (doc["verb"], doc["resource"], doc["namespace"]) == ("get", "secrets", "payments")
    by_name = {s["name"]: s for s in doc["subjects"]}
    assert by_name["api"] == {
        "kind": "ServiceAccount",
        "namespace": "payments",
        "name": "api",
        "via": [
            {
                "binding": "RoleBinding/payments/read-secrets",
                "role": "ClusterRole/secret-reader",
                "namespaces": ["payments"],
            }
        ],
    }
    assert by_name["auditors"]["kind"] == "Group"  # groups are listed, not expanded
    assert "ops" not in by_name  # edit is not in view without --with-defaults
    assert "ClusterRole/edit" in result.stderr and "--with-defaults" in result.stderr


def test_who_can_with_defaults_resolves_default_roles(k8s: str) -> None:
    result = runner.invoke(
        app,
        [
            "rbac",
            "who-can",
            "create",
            "pods/exec",
            "-n",
            "payments",
            k8s,
            "--with-defaults",
            "v1.33",
            "-f",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    names = {s["name"] for s in json.loads(result.stdout)["subjects"]}
    assert names == {"ops", "system:masters"}


def test_who_can_named_secret_and_other_namespace(k8s: str) -> None:
    named = runner.invoke(
        app, ["rbac", "who-can", "get", "secrets/db-password", "-n", "payments", k8s, "-f", "json"]
    )
    assert json.loads(named.stdout)["name"] == "db-password"
    assert "api" in {s["name"] for s in json.loads(named.stdout)["subjects"]}
    other = runner.invoke(
        app, ["rbac", "who-can", "get", "secrets", "-n", "billing", k8s, "-f", "json"]
    )
    assert {s["name"] for s in json.loads(other.stdout)["subjects"]} == {"system:masters"}


def test_who_can_table(k8s: str) -> None:
    result = runner.invoke(app, ["rbac", "who-can", "get", "secrets", "-n", "payments", k8s])
    assert result.exit_code == 0
    assert "RoleBinding/payments/read-secrets -> ClusterRole/secret-reader" in result.stdout
    assert "payments/api" in result.stdout


def test_can_lists_grants_and_capabilities(k8s: str) -> None:
    result = runner.invoke(app, ["rbac", "can", "serviceaccount:payments:api", k8s, "-f", "json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert [g["binding"] for g in doc["grants"]] == ["RoleBinding/payments/read-secrets"]
    assert [c["capability"] for c in doc["capabilities"]] == ["secrets-get"]
    assert doc["capabilities"][0]["namespace"] == "payments"


def test_can_rejects_malformed_identity(k8s: str) -> None:
    result = runner.invoke(app, ["rbac", "can", "serviceaccount:payments", k8s])
    assert result.exit_code == 2
    assert "serviceaccount:NAMESPACE:NAME" in result.stderr


def test_secrets_matrix_never_prints_values(k8s: str) -> None:
    for fmt in ("json", "table"):
        result = runner.invoke(
            app, ["rbac", "secrets", k8s, "--with-defaults", "latest", "-f", fmt]
        )
        assert result.exit_code == 0, result.output
        assert SECRET_VALUE not in result.output and "hunter2" not in result.output
    doc = json.loads(
        runner.invoke(
            app, ["rbac", "secrets", k8s, "--with-defaults", "latest", "-f", "json"]
        ).stdout
    )
    cells = {(c["identity"], c["secret"]): c for c in doc["access"]}
    assert cells[("serviceaccount:payments:api", "db-password")]["access"] == "direct"
    ops = cells[("user:ops", "db-password")]
    assert ops["access"] == "direct"  # edit reads secrets


def test_workloads(k8s: str) -> None:
    result = runner.invoke(app, ["rbac", "workloads", k8s, "-f", "json"])
    assert result.exit_code == 0
    [w] = json.loads(result.stdout)["workloads"]
    assert (w["workload"], w["serviceAccount"], w["tokenMounted"]) == (
        "Deployment/api",
        "api",
        True,
    )
    assert w["secrets"] == ["payments/db-password"]


def test_usage_and_input_errors(k8s: str, tmp_path: Path) -> None:
    assert runner.invoke(app, ["rbac", "who-can", "get", "secrets"]).exit_code == 2
    bad_version = runner.invoke(
        app, ["rbac", "who-can", "get", "secrets", k8s, "--with-defaults", "v1.2"]
    )
    assert bad_version.exit_code == 2 and "v1.33" in bad_version.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\n"
        "rules: [{verbs: get, resources: [pods], apiGroups: ['']}]\n"
    )
    result = runner.invoke(app, ["rbac", "who-can", "get", "pods", str(broken)])
    assert result.exit_code == 2
    assert "broken.yaml:1" in result.stderr and "verbs must be a list" in result.stderr
