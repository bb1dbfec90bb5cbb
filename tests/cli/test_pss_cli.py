"""``stockade pss`` end to end: verdicts, namespace labels, JSON contract, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stockade.cli.main import app

from tests.conftest import REPO

runner = CliRunner()

MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata:
  name: strict
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: v1.22
---
apiVersion: v1
kind: Namespace
metadata:
  name: legacy
  labels:
    pod-security.kubernetes.io/enforce: baseline
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: api, namespace: strict}
spec:
  template:
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 0}
      containers:
        - name: api
          image: example/api:1
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}, seccompProfile: {type: RuntimeDefault}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: cleanup, namespace: legacy}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
            - name: c
              image: example/c:1
"""


def _run(tmp_path: Path, *args: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    f = tmp_path / "m.yaml"
    f.write_text(MANIFESTS)
    result = runner.invoke(app, ["pss", str(f), "--format", "json", *args])
    return result.exit_code, json.loads(result.stdout)


def test_json_contract_and_exit_code(tmp_path: Path) -> None:
    code, report = _run(tmp_path, "--level", "restricted", "--version", "v1.30")
    assert code == 1
    assert report["level"] == "restricted" and report["version"] == "v1.30"
    by_name = {r["name"]: r for r in report["results"]}
    assert set(by_name) == {"api", "cleanup"}
    api = by_name["api"]
    assert api["kind"] == "Deployment" and api["namespace"] == "strict" and api["line"] == 16
    assert api["allowed"] is False
    assert [v["check"] for v in api["violations"]] == ["runAsUser"]
    assert api["violations"][0]["message"] == "runAsUser=0 (pod must not set runAsUser=0)"


def test_version_changes_the_verdict(tmp_path: Path) -> None:
    # runAsUser is a check from v1.23 on.
    _, report = _run(tmp_path, "--level", "restricted", "--version", "v1.22")
    api = next(r for r in report["results"] if r["name"] == "api")
    assert api["allowed"] is True


def test_namespace_labels(tmp_path: Path) -> None:
    code, report = _run(tmp_path, "--namespace-labels", "--level", "privileged")
    by_name = {r["name"]: r for r in report["results"]}
    assert (by_name["api"]["level"], by_name["api"]["version"]) == ("restricted", "v1.22")
    assert by_name["api"]["allowed"] is True
    assert (by_name["cleanup"]["level"], by_name["cleanup"]["version"]) == ("baseline", "latest")
    assert by_name["cleanup"]["allowed"] is True
    assert code == 0


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(MANIFESTS)
    assert runner.invoke(app, ["pss", str(f), "--version", "1.30"]).exit_code == 2
    assert runner.invoke(app, ["pss", str(f), "--level", "strict"]).exit_code == 2


def test_examples_table() -> None:
    result = runner.invoke(app, ["pss", str(REPO / "examples" / "insecure")])
    assert result.exit_code == 1
    assert "DENY Deployment/shop/payments" in result.stdout
    assert (
        'privileged (container "api" must not set securityContext.privileged=true)' in result.stdout
    )
