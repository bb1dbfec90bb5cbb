"""``stockade pss`` end to end: verdicts, namespace labels, JSON contract, exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

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


def _run(tmp_path: Path, *args: str) -> tuple[int, dict[str, Any]]:
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


NOTES_MANIFESTS = """\
apiVersion: v1
kind: Namespace
metadata: {name: unlabelled}
---
apiVersion: v1
kind: Namespace
metadata:
  name: typo
  labels:
    pod-security.kubernetes.io/enforce: restriced
    pod-security.kubernetes.io/enforce-version: "1.30"
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: unlabelled}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: typo}
spec:
  containers: [{name: c, image: nginx}]
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: elsewhere}
spec:
  containers: [{name: c, image: nginx}]
"""

CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly, namespace: jobs}
spec:
  schedule: "@daily"
  jobTemplate:
    spec:
      template:
        metadata:
          annotations:
            container.apparmor.security.beta.kubernetes.io/task: unconfined
        spec:
          restartPolicy: Never
          containers: [{name: task, image: busybox}]
"""


def test_namespaces_without_labels_are_named_and_bad_labels_fail_closed(tmp_path: Path) -> None:
    f = tmp_path / "m.yaml"
    f.write_text(NOTES_MANIFESTS)
    result = runner.invoke(
        app, ["pss", str(f), "--namespace-labels", "--level", "baseline", "--format", "json"]
    )
    report = json.loads(result.stdout)
    by_name = {r["name"]: r for r in report["results"]}
    # Unlabelled and undeclared namespaces get --level; a misspelt level is enforced as restricted.
    assert (by_name["a"]["level"], by_name["a"]["allowed"]) == ("baseline", True)
    assert (by_name["c"]["level"], by_name["c"]["allowed"]) == ("baseline", True)
    assert (by_name["b"]["level"], by_name["b"]["version"]) == ("restricted", "latest")
    assert by_name["b"]["allowed"] is False and result.exit_code == 1
    notes = {n["namespace"]: n["note"] for n in report["namespaces"]}
    assert notes["unlabelled"].startswith("no pod-security.kubernetes.io/enforce label")
    assert "not among the inputs" in notes["elsewhere"]
    assert (
        "'restriced' is not a level" in notes["typo"] and "'1.30' is not a version" in notes["typo"]
    )
    table = runner.invoke(app, ["pss", str(f), "--namespace-labels", "--level", "baseline"])
    assert "namespace unlabelled: no pod-security.kubernetes.io/enforce label" in table.stdout


def test_workload_template_metadata_counts_and_privileged_allows_all(tmp_path: Path) -> None:
    f = tmp_path / "cron.yaml"
    f.write_text(CRONJOB)
    result = runner.invoke(app, ["pss", str(f), "--level", "baseline", "--format", "json"])
    assert result.exit_code == 1
    (cron,) = json.loads(result.stdout)["results"]
    assert cron["kind"] == "CronJob" and cron["violations"][0]["check"] == "appArmorProfile"
    result = runner.invoke(app, ["pss", str(f), "--level", "privileged", "--format", "json"])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["results"][0]["allowed"] is True


def test_input_errors_exit_2_and_the_rest_is_still_judged(tmp_path: Path) -> None:
    good = tmp_path / "m.yaml"
    good.write_text(MANIFESTS)
    broken = tmp_path / "broken.yaml"
    broken.write_text("kind: Pod\nmetadata: [\n")
    result = runner.invoke(app, ["pss", str(good), str(broken), "--format", "json"])
    assert result.exit_code == 2
    report = json.loads(result.stdout)
    assert report["errors"][0]["file"] == str(broken)
    assert {r["name"] for r in report["results"]} == {"api", "cleanup"}
    assert runner.invoke(app, ["pss"]).exit_code == 2


def test_stdin_and_output_file(tmp_path: Path) -> None:
    out = tmp_path / "report.json"
    result = runner.invoke(
        app, ["pss", "-", "--format", "json", "--output", str(out)], input=CRONJOB
    )
    assert result.exit_code == 1
    assert json.loads(out.read_text())["results"][0]["file"] == "<stdin>"
    table = tmp_path / "report.txt"
    result = runner.invoke(app, ["pss", "-", "--output", str(table)], input=CRONJOB)
    assert result.exit_code == 1
    assert "DENY CronJob/jobs/nightly" in table.read_text()
