"""User rules in YAML with CEL conditions."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.detect import BUILTIN_IDS, AuditEvent, Detector, builtin_rules
from stockade.detect.userrules import load_rules_file, parse_rules
from stockade.errors import ConfigError

from tests.detect.auditevents import event

RULES = """
settings:
  deployers: ["group:ci"]
  learning_window: 30m
rules:
  - id: namespace-deleted
    title: Namespace deleted
    severity: high
    mitre: [T1485]
    remediation: Restore the namespace from backup and review who holds delete on namespaces.
    match: {verbs: [delete], resources: [namespaces]}
    condition: "!system && code < 300"
    message: "{user} deleted namespace {name}"
  - id: secret-body-read
    title: Secret object logged with a body
    severity: low
    remediation: Log secrets at Metadata level only.
    needs_level: Request
    match: {resources: [secrets]}
    condition: has(event.requestObject) && has(event.requestObject.data)
"""


def _run(text: str, *events: dict[str, object]) -> tuple[list[str], Detector]:
    parsed = parse_rules(text, "rules.yaml", set(BUILTIN_IDS))
    det = Detector([*builtin_rules(), *parsed.rules], parsed.settings)
    out: list[str] = []
    for ev in events:
        out.extend(
            f"{a.rule}|{a.severity}|{a.message}" for a in det.feed_event(AuditEvent.parse(ev))
        )
    return out, det


def test_user_rule_fires_with_templated_message() -> None:
    alerts, _ = _run(
        RULES,
        event("delete", "namespaces", name="prod", namespace="prod"),
        event(
            "delete", "namespaces", name="x", namespace="x", user="system:kube-controller-manager"
        ),
        event("delete", "pods", name="p", namespace="x"),
    )
    assert alerts == ["namespace-deleted|high|alice deleted namespace prod"]


def test_settings_section_is_applied() -> None:
    parsed = parse_rules(RULES, "rules.yaml", set(BUILTIN_IDS))
    assert parsed.settings is not None
    assert parsed.settings.learning_window == 1800
    assert parsed.settings.is_deployer("jenkins", ["ci"])


def test_secret_data_is_invisible_to_conditions() -> None:
    secret = {
        "kind": "Secret",
        "apiVersion": "v1",
        "metadata": {"name": "s"},
        "data": {"password": "aHVudGVyMg=="},
    }
    alerts, _ = _run(RULES, event("create", "secrets", namespace="a", name="s", request=secret))
    assert alerts == []


def test_low_level_events_are_not_evaluated_by_user_rules() -> None:
    _, det = _run(RULES, event("create", "secrets", namespace="a", name="s"))
    assert [e["rules"] for e in det.not_evaluated()] == [["secret-body-read"]]


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("rules: [{id: x, title: t, remediation: r, condition: 'verb =='}]", "invalid CEL"),
        ("rules: [{id: x, title: t, remediation: r, condition: 'foo == 1'}]", "unknown variable"),
        ("rules: [{id: Bad_Id, title: t, remediation: r, condition: 'true'}]", "kebab-case"),
        ("rules: [{id: audit-exec, title: t, remediation: r, condition: 'true'}]", "already used"),
        (
            "rules: [{id: x, title: t, remediation: r, condition: 'true', message: '{body}'}]",
            "unknown field",
        ),
        ("rules: [{id: x, title: t, remediation: r, condition: 'true', mitre: [X1]}]", "ATT&CK"),
        ("rules: [{id: x, title: t, condition: 'true'}]", "remediation is required"),
        (
            "rules: [{id: x, title: t, remediation: r, condition: 'true', colour: red}]",
            "unknown key",
        ),
        ("settings: {burst_treshold: 3}", "unknown setting"),
        ("rules: [", "invalid YAML"),
    ],
)
def test_bad_rule_files_are_config_errors(text: str, needle: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_rules(text, "rules.yaml", set(BUILTIN_IDS))
    assert needle in info.value.message and "rules.yaml" in info.value.message


def test_condition_that_does_not_return_a_boolean_is_reported() -> None:
    text = "rules: [{id: x, title: t, remediation: r, condition: 'verb'}]"
    alerts, det = _run(text, event("get", "pods"))
    assert alerts == []
    assert "not a boolean" in det.not_evaluated()[0]["reason"]


def test_missing_fields_make_the_condition_false() -> None:
    text = "rules: [{id: x, title: t, remediation: r, condition: 'event.objectRef.name == \"a\"'}]"
    alerts, det = _run(text, event("list", "pods"), event("get", "pods", name="a"))
    assert [a.split("|")[0] for a in alerts] == ["x"]
    assert det.not_evaluated() == []


def test_example_rules_in_docs_load(tmp_path: Path) -> None:
    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "detect-rules.yaml"
    parsed = load_rules_file(example, set(BUILTIN_IDS))
    assert len(parsed.rules) >= 3


def test_example_macro_condition_fires_on_a_privileged_pod() -> None:
    from tests.detect.auditevents import pod

    example = Path(__file__).resolve().parents[2] / "docs" / "examples" / "detect-rules.yaml"
    text = example.read_text()
    alerts, _ = _run(
        text,
        event("create", "pods", namespace="d", name="p", request=pod("p", privileged=True)),
        event("create", "pods", namespace="d", name="q", request=pod("q")),
        event("create", "cronjobs", namespace="kube-system", name="c"),
    )
    fired = sorted({a.split("|")[0] for a in alerts})
    assert fired == [
        "audit-privileged-workload",
        "cronjob-created-in-kube-system",
        "privileged-pod-by-person",
    ]
