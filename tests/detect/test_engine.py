"""The detector: JSON contract, catalogue, dispatch, deduplication, secret redaction."""

from __future__ import annotations

import base64
from pathlib import Path

import orjson
import yaml

from stockade.detect import BUILTIN_IDS, builtin_rules, detect, read_lines

from tests.detect.auditevents import event, rules_of, run

ALERT_KEYS = {
    "rule",
    "severity",
    "time",
    "auditID",
    "user",
    "sourceIPs",
    "verb",
    "resource",
    "mitre",
    "message",
}
RESOURCE_KEYS = {"group", "resource", "subresource", "namespace", "name"}


def test_catalogue_has_exactly_the_documented_ids() -> None:
    assert sorted(r.id for r in builtin_rules()) == sorted(BUILTIN_IDS)
    assert len(BUILTIN_IDS) == 15
    for rule in builtin_rules():
        assert rule.mitre and rule.remediation and rule.title and rule.description


def test_mitre_ids_agree_with_the_framework_mappings() -> None:
    data = Path(__file__).resolve().parents[2] / "src" / "stockade" / "data" / "frameworks.yaml"
    table = yaml.safe_load(data.read_text())
    mappings = table.get("rules", table)
    for rule in builtin_rules():
        assert rule.id in mappings, rule.id
        assert list(rule.mitre) == mappings[rule.id]["mitre"], rule.id


def test_json_contract() -> None:
    lines = [
        orjson.dumps(
            event(
                "create",
                "pods",
                namespace="prod",
                name="web-1",
                subresource="exec",
                code=101,
                stage="ResponseStarted",
            )
        ),
        b"{not json",
        b"",
        orjson.dumps({"kind": "Event", "verb": "get"}),
    ]
    doc = detect(read_lines(lines, "audit.log"), builtin_rules()).to_json()
    assert set(doc) == {"events", "alerts", "errors", "not_evaluated"}
    assert doc["events"] == 1
    alert = doc["alerts"][0]
    assert set(alert) == ALERT_KEYS and set(alert["resource"]) == RESOURCE_KEYS
    assert alert["mitre"] == ["T1609", "T1059"]
    assert alert["resource"] == {
        "group": "",
        "resource": "pods",
        "subresource": "exec",
        "namespace": "prod",
        "name": "web-1",
    }
    assert [(e["line"], e["file"]) for e in doc["errors"]] == [(2, "audit.log"), (4, "audit.log")]
    assert all(e["hint"] for e in doc["errors"])


def test_not_evaluated_is_aggregated_per_rule_and_reason() -> None:
    events = [event("create", "pods", namespace="d", name=f"p{i}") for i in range(4)]
    _, det = run(*events)
    entry = next(e for e in det.not_evaluated() if e["rules"] == ["audit-privileged-workload"])
    assert entry["events"] == 4 and len(entry["auditIDs"]) == 3


def test_secret_body_values_never_reach_an_alert() -> None:
    """A Secret written by an anonymous user carries its values in the bodies; the alert
    names the request but never a value, raw or base64-encoded."""
    password = "s3cr3t-Pa55word!"
    encoded = base64.b64encode(password.encode()).decode()
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "db-credentials", "namespace": "default"},
        "data": {"password": encoded},
        "stringData": {"token": "tok-abcdef-123456"},
    }
    alerts, _ = run(
        event(
            "create",
            "secrets",
            namespace="default",
            name="db-credentials",
            user="system:anonymous",
            groups=["system:unauthenticated"],
            request=secret,
            response=secret,
        )
    )
    assert rules_of(alerts) == ["audit-anonymous-allowed"]
    assert "db-credentials" in alerts[0].message
    text = orjson.dumps([a.to_json() for a in alerts]).decode()
    for value in (password, encoded, "tok-abcdef-123456"):
        assert value not in text


def test_secret_list_response_values_are_redacted_too() -> None:
    items = [
        {
            "kind": "Secret",
            "metadata": {"name": "db", "namespace": "a"},
            "data": {"k": base64.b64encode(b"list-secret-value").decode()},
        }
    ]
    listing = {"kind": "SecretList", "apiVersion": "v1", "items": items}
    alerts, _ = run(
        event(
            "list",
            "secrets",
            user="mallory",
            response=listing,
            impersonated={"username": "list-secret-value"},
        )
    )
    assert sorted(rules_of(alerts)) == ["audit-impersonation", "audit-secret-access-anomaly"]
    for alert in alerts:
        assert "list-secret-value" not in alert.message


def test_disabled_rules_do_not_run() -> None:
    from stockade.detect import DetectSettings

    ev = event(
        "create",
        "pods",
        namespace="p",
        name="w",
        subresource="exec",
        code=101,
        stage="ResponseStarted",
    )
    alerts, _ = run(ev, settings=DetectSettings(disabled=("audit-exec",)))
    assert alerts == []
