"""`stockade detect`, `detect rules`: in-process, through the real typer app."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
import yaml
from typer.testing import CliRunner

from stockade.cli.main import app

from tests.detect.auditevents import event

runner = CliRunner()


def _log(tmp_path: Path, *events: dict[str, object], extra: bytes = b"") -> Path:
    path = tmp_path / "audit.log"
    path.write_bytes(b"".join(orjson.dumps(e) + b"\n" for e in events) + extra)
    return path


EXEC = event(
    "create", "pods", namespace="p", name="w", subresource="exec", code=101, stage="ResponseStarted"
)
ANON = event("delete", "pods", namespace="p", name="w", user="system:anonymous")


def test_json_output_and_exit_code_follow_fail_on(tmp_path: Path) -> None:
    log = _log(tmp_path, EXEC)
    result = runner.invoke(app, ["detect", str(log), "--format", "json"])
    assert result.exit_code == 0, result.output  # medium alert, default --fail-on high
    doc = orjson.loads(result.stdout)
    assert doc["events"] == 1 and [a["rule"] for a in doc["alerts"]] == ["audit-exec"]
    result = runner.invoke(app, ["detect", str(log), "--fail-on", "medium"])
    assert result.exit_code == 1 and "audit-exec" in result.stdout


def test_critical_alert_fails_and_errors_exit_2(tmp_path: Path) -> None:
    assert runner.invoke(app, ["detect", str(_log(tmp_path, ANON))]).exit_code == 1
    broken = _log(tmp_path, ANON, extra=b"{oops\n")
    result = runner.invoke(app, ["detect", str(broken), "-f", "json"])
    assert result.exit_code == 2
    assert orjson.loads(result.stdout)["errors"][0]["line"] == 2


def test_rules_listing_has_mitre_ids() -> None:
    result = runner.invoke(app, ["detect", "rules", "--format", "json"])
    assert result.exit_code == 0
    rules = orjson.loads(result.stdout)
    assert len(rules) == 15 and all(r["mitre"] for r in rules)


def test_user_rules_and_disable(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        yaml.safe_dump(
            {
                "rules": [
                    {
                        "id": "any-exec",
                        "title": "Exec",
                        "remediation": "Review.",
                        "severity": "critical",
                        "match": {"resources": ["pods/exec"]},
                        "stages": ["ResponseStarted"],
                        "condition": "verb == 'create'",
                    }
                ]
            }
        )
    )
    log = _log(tmp_path, EXEC)
    result = runner.invoke(
        app, ["detect", str(log), "--rules", str(rules), "-f", "json", "--disable", "audit-exec"]
    )
    assert [a["rule"] for a in orjson.loads(result.stdout)["alerts"]] == ["any-exec"]
    assert result.exit_code == 1


@pytest.mark.parametrize("args", [["--disable", "no-such-rule"], ["--fail-on", "loud"]])
def test_usage_errors(tmp_path: Path, args: list[str]) -> None:
    from stockade.cli.main import main

    with pytest.raises(SystemExit) as info:
        main(["detect", str(_log(tmp_path, EXEC)), *args])
    assert info.value.code == 2


def test_example_audit_policy_never_logs_secret_bodies() -> None:
    """First match wins: secrets, configmaps and TokenRequests resolve to Metadata."""
    policy = yaml.safe_load(
        (
            Path(__file__).resolve().parents[2] / "docs" / "examples" / "audit-policy.yaml"
        ).read_text()
    )

    def level(group: str, resource: str, verb: str) -> str:
        for rule in policy["rules"]:
            if "verbs" in rule and verb not in rule["verbs"]:
                continue
            groups = rule.get("resources")
            if groups is None or any(
                g.get("group", "") == group and ("resources" not in g or resource in g["resources"])
                for g in groups
            ):
                return str(rule["level"])
        return "None"

    for resource in ("secrets", "configmaps", "serviceaccounts/token"):
        for verb in ("get", "list", "create", "update", "patch"):
            assert level("", resource, verb) == "Metadata", (resource, verb)
    assert level("", "pods", "create") == "RequestResponse"
    assert level("rbac.authorization.k8s.io", "clusterrolebindings", "patch") == "RequestResponse"
    assert level("", "pods/exec", "create") == "Metadata"
