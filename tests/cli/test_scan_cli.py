"""The scan command end to end, in-process: formats, exit codes, stdin, config errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stockade.cli.main import app

from tests.conftest import REPO

runner = CliRunner()
INSECURE = str(REPO / "examples" / "insecure")
HARDENED = str(REPO / "examples" / "hardened")


def invoke(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin)
    return result.exit_code, result.stdout


def test_insecure_example_fails_and_hardened_passes() -> None:
    code, out = invoke("scan", INSECURE)
    assert code == 1
    assert "privileged-container" in out and "findings" in out
    code, out = invoke("scan", HARDENED)
    assert code == 0, out
    code, out = invoke("scan", HARDENED, "--fail-on", "low", "--format", "json")
    # The hardened twin passes even the strictest gate: no finding at any severity.
    assert code == 0, out
    assert json.loads(out)["findings"] == []


def test_fail_on_thresholds() -> None:
    assert invoke("scan", INSECURE, "--fail-on", "never")[0] == 0
    assert invoke("scan", INSECURE, "--fail-on", "critical")[0] == 1
    code, _ = invoke("scan", INSECURE, "--fail-on", "bogus")
    assert code == 2


@pytest.mark.parametrize("fmt", ["json", "sarif", "junit", "table"])
def test_formats_render(fmt: str) -> None:
    code, out = invoke("scan", INSECURE, "--format", fmt)
    assert code == 1
    assert out.strip()
    if fmt in ("json", "sarif"):
        json.loads(out)


def test_stdin() -> None:
    text = (REPO / "examples" / "insecure" / "shop.yaml").read_text()
    code, out = invoke("scan", "-", "--format", "json", stdin=text)
    assert code == 1
    data = json.loads(out)
    files = {f["location"]["file"] for f in data["findings"]}
    assert files == {"<stdin>"}
    assert all(f["location"]["line"] for f in data["findings"])


def test_input_errors_exit_2_and_still_report(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("kind: [\n")
    (tmp_path / "ok.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\n"
        "spec: {containers: [{name: c, image: nginx, securityContext: {privileged: true}}]}\n"
    )
    code, out = invoke("scan", str(tmp_path), "--format", "json")
    assert code == 2
    data = json.loads(out)
    assert data["summary"]["errors"] == 1
    assert any(f["rule"] == "privileged-container" for f in data["findings"])
    assert data["errors"][0]["file"].endswith("broken.yaml") and data["errors"][0]["line"] == 2


def test_usage_errors() -> None:
    assert invoke("scan")[0] == 2
    assert invoke("scan", INSECURE, "--format", "xml")[0] == 2
    assert invoke("scan", INSECURE, "--disable", "no-such-rule")[0] == 2


def test_config_file_errors_name_file_line_and_key(tmp_path: Path) -> None:
    cfg = tmp_path / "stockade.yaml"
    cfg.write_text(
        "fail_on: high\nrules:\n  disabel: [run-as-root]\nseverity:\n  run-as-root: urgent\n"
    )
    result = runner.invoke(app, ["scan", INSECURE, "--config", str(cfg)])
    assert result.exit_code == 2
    err = result.stderr
    assert f"{cfg}:3: rules.disabel: unknown key" in err
    assert f"{cfg}:5: severity.run-as-root" in err
    assert "Traceback" not in err


def test_config_found_in_scanned_directory(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text((REPO / "examples" / "insecure" / "shop.yaml").read_text())
    (tmp_path / "stockade.yaml").write_text(
        "fail_on: critical\nrules:\n  disable: [privileged-container, secret-in-env-literal, container-runtime-socket-mount]\n"
    )
    code, out = invoke("scan", str(tmp_path), "--format", "json")
    data = json.loads(out)
    assert code == 0
    assert not {"privileged-container", "secret-in-env-literal"} & {
        f["rule"] for f in data["findings"]
    }


def test_rules_list_and_show() -> None:
    code, out = invoke("rules", "list", "--format", "json")
    assert code == 0
    rules = json.loads(out)
    assert {r["id"] for r in rules} >= {"privileged-container", "host-pid", "default-namespace"}
    code, out = invoke("rules", "show", "host-pid")
    assert code == 0 and "hostPID" in out
    assert invoke("rules", "show", "nope")[0] == 2


def test_version() -> None:
    code, out = invoke("--version")
    assert code == 0 and out.startswith("stockade ")
