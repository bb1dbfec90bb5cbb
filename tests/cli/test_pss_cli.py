"""``stockade pss`` in-process: levels, versions, namespace labels, formats and exit codes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from stockade.cli.main import app

runner = CliRunner()

NAMESPACES = """\
apiVersion: v1
kind: Namespace
metadata:
  name: locked
  labels:
    pod-security.kubernetes.io/enforce: restricted
    pod-security.kubernetes.io/enforce-version: v1.22
---
apiVersion: v1
kind: Namespace
metadata:
  name: loose
  labels:
    pod-security.kubernetes.io/enforce: baseline
---
apiVersion: v1
kind: Namespace
metadata:
  name: unlabelled
---
apiVersion: v1
kind: Namespace
metadata:
  name: typo
  labels:
    pod-security.kubernetes.io/enforce: restriced
    pod-security.kubernetes.io/enforce-version: "1.30"
"""


def _pod(name: str, namespace: str, container_sc: str = "{}", pod_sc: str = "{}") -> str:
    return f"""\
apiVersion: v1
kind: Pod
metadata:
  name: {name}
  namespace: {namespace}
spec:
  securityContext: {pod_sc}
  containers:
  - name: app
    image: nginx
    securityContext: {container_sc}
"""


HARDENED_SC = "{allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}"
HARDENED_POD_SC = "{runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}"

CRONJOB = """\
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
  namespace: jobs
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
          containers:
          - name: task
            image: busybox
"""


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, ["pss", *args], input=stdin)
    return result.exit_code, result.stdout


def write(tmp_path: Path, text: str, name: str = "m.yaml") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_json_contract_and_exit_code(tmp_path: Path) -> None:
    file = write(tmp_path, _pod("bare", "apps") + "---\n" + CRONJOB)
    code, out = invoke(file, "--level", "restricted", "--version", "v1.30", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    assert set(doc) == {"level", "version", "results", "errors"}
    assert (doc["level"], doc["version"], doc["errors"]) == ("restricted", "v1.30", [])
    pod, cron = doc["results"]
    assert set(pod) == {"file", "line", "kind", "namespace", "name", "allowed", "violations"}
    assert (pod["file"], pod["line"], pod["kind"], pod["namespace"], pod["name"]) == (
        file,
        1,
        "Pod",
        "apps",
        "bare",
    )
    assert pod["allowed"] is False
    assert {
        "check": "runAsNonRoot",
        "message": (
            'runAsNonRoot != true (pod or container "app" must set securityContext.runAsNonRoot=true)'
        ),
    } in pod["violations"]
    # The CronJob is judged through its pod template, annotations included.
    assert (cron["kind"], cron["line"]) == ("CronJob", 13)
    assert cron["violations"][0]["check"] == "appArmorProfile"


def test_baseline_allows_a_plain_pod_and_privileged_allows_everything(tmp_path: Path) -> None:
    file = write(tmp_path, _pod("bare", "apps") + "---\n" + CRONJOB)
    code, out = invoke(file, "--level", "baseline", "--format", "json")
    assert code == 1
    results = json.loads(out)["results"]
    assert [r["allowed"] for r in results] == [True, False]
    code, out = invoke(file, "--level", "privileged", "--format", "json")
    assert code == 0
    assert all(r["allowed"] for r in json.loads(out)["results"])


def test_version_changes_the_verdict(tmp_path: Path) -> None:
    file = write(tmp_path, _pod("old", "apps", pod_sc="{runAsNonRoot: true}"))
    assert invoke(file, "--version", "v1.7")[0] == 0
    code, out = invoke(file, "--version", "v1.8")
    assert code == 1
    assert "allowPrivilegeEscalation" in out
    assert "restricted:v1.8" in out


def test_namespace_labels(tmp_path: Path) -> None:
    pods = [
        # Restricted v1.22 does not yet require runAsUser != 0.
        _pod(
            "root",
            "locked",
            HARDENED_SC,
            "{runAsNonRoot: true, runAsUser: 0, seccompProfile: {type: RuntimeDefault}}",
        ),
        _pod("bare", "loose"),
        _pod("bare", "unlabelled"),
        _pod("bare", "typo"),
        _pod("bare", "elsewhere"),
    ]
    file = write(tmp_path, NAMESPACES + "---\n" + "---\n".join(pods))
    code, out = invoke(file, "--namespace-labels", "--level", "baseline", "--format", "json")
    assert code == 1
    doc = json.loads(out)
    by_ns = {r["namespace"]: r for r in doc["results"]}
    assert (by_ns["locked"]["level"], by_ns["locked"]["version"]) == ("restricted", "v1.22")
    assert by_ns["locked"]["allowed"] is True
    assert (by_ns["loose"]["level"], by_ns["loose"]["version"]) == ("baseline", "latest")
    assert by_ns["loose"]["allowed"] is True
    # No label: the --level given; a bad level fails closed to restricted, a bad version is latest.
    assert (by_ns["unlabelled"]["level"], by_ns["unlabelled"]["allowed"]) == ("baseline", True)
    assert (by_ns["typo"]["level"], by_ns["typo"]["version"]) == ("restricted", "latest")
    assert by_ns["typo"]["allowed"] is False
    policies = {p["namespace"]: p for p in doc["namespaces"]}
    assert policies["unlabelled"]["labelled"] is False
    assert "has no pod-security.kubernetes.io/enforce label" in policies["unlabelled"]["notes"][0]
    assert "not among the inputs" in policies["elsewhere"]["notes"][0]
    assert any("fails closed" in n for n in policies["typo"]["notes"])
    code, out = invoke(file, "--namespace-labels", "--level", "baseline")
    assert "has no pod-security.kubernetes.io/enforce label" in out


def test_hardened_pod_exits_zero_and_table_says_allowed(tmp_path: Path) -> None:
    file = write(tmp_path, _pod("good", "apps", HARDENED_SC, HARDENED_POD_SC))
    code, out = invoke(file)
    assert code == 0, out
    assert "allowed" in out and "0 of 1 pod templates would be denied" in out


def test_usage_and_input_errors_exit_two(tmp_path: Path) -> None:
    file = write(tmp_path, _pod("good", "apps", HARDENED_SC, HARDENED_POD_SC))
    result = runner.invoke(app, ["pss", file, "--version", "1.30"])
    assert result.exit_code == 2
    assert "use latest or v1.N" in result.output
    assert runner.invoke(app, ["pss", file, "--level", "strict"]).exit_code == 2
    assert runner.invoke(app, ["pss"]).exit_code == 2
    broken = write(tmp_path, "kind: Pod\nmetadata: [\n", "broken.yaml")
    code, out = invoke(file, broken, "--format", "json")
    assert code == 2
    doc: dict[str, Any] = json.loads(out)
    assert doc["errors"] and doc["errors"][0]["file"] == broken
    assert [r["name"] for r in doc["results"]] == ["good"]


def test_stdin_and_output_file(tmp_path: Path) -> None:
    out_file = tmp_path / "report.json"
    code, _ = invoke("-", "--format", "json", "--output", str(out_file), stdin=CRONJOB)
    assert code == 1
    doc = json.loads(out_file.read_text())
    assert doc["results"][0]["file"] == "<stdin>"
