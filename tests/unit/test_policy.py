"""Configuration, waivers and exceptions: applied, reported, never silently dropped."""

from __future__ import annotations

import datetime as dt

import pytest

from stockade.errors import ConfigError
from stockade.policy.config import parse_config
from stockade.policy.gate import gate

from tests.conftest import scan_text

POD = """\
apiVersion: v1
kind: Pod
metadata:
  name: legacy
  namespace: ops
  annotations:
    stockade.dev/ignore: "run-as-root,writable-root-filesystem: vendor image runs as root; tracked in SEC-42"
spec:
  containers:
    - name: app
      image: example/legacy:1
      securityContext: {privileged: true}
"""


def test_annotation_waiver_is_listed_not_dropped() -> None:
    result = scan_text(POD)
    waived = {f.rule: f.waiver for f in result.waived()}
    assert set(waived) == {"run-as-root", "writable-root-filesystem"}
    assert waived["run-as-root"] is not None
    assert waived["run-as-root"].reason.startswith("vendor image")
    assert "privileged-container" in {f.rule for f in result.active()}


def test_bad_annotation_is_an_error_and_waives_nothing() -> None:
    text = POD.replace(
        '"run-as-root,writable-root-filesystem: vendor image runs as root; tracked in SEC-42"',
        '"run-as-root"',
    )
    result = scan_text(text)
    assert not result.waived()
    assert "has no reason" in result.errors[0].message
    assert result.errors[0].line == 1
    text = POD.replace("run-as-root,", "run-as-rot,")
    result = scan_text(text)
    assert "unknown rule 'run-as-rot'" in result.errors[0].message
    assert {f.rule for f in result.waived()} == {"writable-root-filesystem"}


def test_exceptions_with_owner_expiry_and_state() -> None:
    future = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    cfg = parse_config(
        f"""
exceptions:
  - id: EXC-1
    rules: [privileged-container]
    resources: ["Pod/ops/leg*"]
    reason: needs raw device access until the driver ships
    owner: team-ops
    approved_by: security@example.com
    expires: {future}
    compensating_controls: [dedicated node pool, Falco rule on exec]
  - id: EXC-2
    rules: [seccomp-not-set]
    resources: ["Pod/ops/legacy"]
    reason: old kernel
    owner: team-ops
    expires: 2020-01-01
  - id: EXC-3
    rules: [host-pid]
    reason: never matches
    owner: team-ops
""",
        "stockade.yaml",
    )
    result = scan_text(POD, cfg)
    by_rule = {f.rule: f for f in result.findings}
    w = by_rule["privileged-container"].waiver
    assert w is not None and w.id == "EXC-1" and w.owner == "team-ops"
    assert w.compensating_controls == ("dedicated node pool", "Falco rule on exec")
    assert by_rule["seccomp-not-set"].waiver is None  # expired
    states = {e["id"]: e["status"] for e in result.exceptions}
    assert states == {"EXC-1": "active", "EXC-2": "expired", "EXC-3": "unused"}


def test_exception_requires_reason_and_owner() -> None:
    with pytest.raises(ConfigError) as exc:
        parse_config("exceptions:\n  - id: X\n    rules: [host-pid]\n    reason: ''\n", "s.yaml")
    text = exc.value.diagnostics()
    assert "s.yaml:4: exceptions[0].reason" in text
    assert "exceptions[0].owner: Field required" in text


def test_severity_override_and_gate() -> None:
    cfg = parse_config("severity:\n  privileged-container: low\n", "s.yaml")
    result = scan_text(POD, cfg, only=["privileged-container"])
    assert result.findings[0].severity.value == "low"
    assert gate(result, "high") == 0
    assert gate(result, "low") == 1
    assert gate(result, "never") == 0


def test_skip_namespaces() -> None:
    cfg = parse_config("namespaces:\n  skip: [ops]\n", "s.yaml")
    assert not scan_text(POD, cfg).findings


def test_allowed_registries_only_when_configured() -> None:
    assert not scan_text(POD, only=["image-registry-not-allowed"]).findings
    cfg = parse_config("images:\n  allowed_registries: [ghcr.io/acme]\n", "s.yaml")
    result = scan_text(POD, cfg, only=["image-registry-not-allowed"])
    assert [f.rule for f in result.findings] == ["image-registry-not-allowed"]
