"""audit-anonymous-allowed, audit-impersonation and audit-forbidden-burst."""

from __future__ import annotations

from stockade.detect import DetectSettings
from stockade.model import Severity

from tests.detect.auditevents import event, rules_of, run

ANON_USER = "system:anonymous"
ANON_GROUPS = ["system:unauthenticated"]


def test_anonymous_allowed_resource_request() -> None:
    alerts, _ = run(event("list", "pods", namespace="default", user=ANON_USER, groups=ANON_GROUPS))
    assert rules_of(alerts) == ["audit-anonymous-allowed"]
    assert alerts[0].severity is Severity.HIGH


def test_anonymous_write_is_critical_even_as_dry_run() -> None:
    alerts, _ = run(
        event(
            "create",
            "namespaces",
            name="x",
            user=ANON_USER,
            groups=ANON_GROUPS,
            uri="/api/v1/namespaces?dryRun=All",
        )
    )
    assert rules_of(alerts) == ["audit-anonymous-allowed"]
    assert alerts[0].severity is Severity.CRITICAL


def test_anonymous_negatives_health_checks_and_denials() -> None:
    alerts, _ = run(
        event("get", None, uri="/healthz", user=ANON_USER, groups=ANON_GROUPS),
        event("get", None, uri="/readyz?verbose", user=ANON_USER, groups=ANON_GROUPS),
        event("get", None, uri="/livez", user=ANON_USER, groups=ANON_GROUPS),
        event("get", None, uri="/version", user=ANON_USER, groups=ANON_GROUPS),
        event("list", "secrets", namespace="default", code=403, user=ANON_USER, groups=ANON_GROUPS),
        event("get", None, uri="/healthz", user="alice"),
    )
    assert alerts == []


def test_anonymous_non_resource_path_outside_health() -> None:
    alerts, _ = run(event("get", None, uri="/apis", user=ANON_USER, groups=ANON_GROUPS))
    assert rules_of(alerts) == ["audit-anonymous-allowed"]
    assert "/apis" in alerts[0].message


def test_impersonation_names_both_identities() -> None:
    alerts, _ = run(
        event(
            "list",
            "secrets",
            namespace="prod",
            user="alice",
            impersonated={"username": "bob", "groups": ["system:masters"]},
        )
    )
    assert rules_of(alerts) == ["audit-impersonation"]
    assert alerts[0].user == "alice"
    assert "impersonated bob" in alerts[0].message
    assert alerts[0].severity is Severity.HIGH


def test_impersonation_suffix_on_other_rules() -> None:
    alerts, _ = run(
        event(
            "create",
            "pods",
            namespace="p",
            name="w",
            subresource="exec",
            code=101,
            stage="ResponseStarted",
            impersonated={"username": "bob"},
        )
    )
    assert sorted(rules_of(alerts)) == ["audit-exec", "audit-impersonation"]
    exec_alert = next(a for a in alerts if a.rule == "audit-exec")
    assert exec_alert.message.endswith("(impersonating bob)")


def test_no_impersonation_no_alert() -> None:
    alerts, _ = run(event("list", "secrets", namespace="prod"))
    assert alerts == []


def _denied(second: int, user: str = "mallory", decision: str = "forbid") -> dict[str, object]:
    return event(
        "list",
        "secrets",
        namespace=f"ns{second}",
        user=user,
        code=403,
        time=f"2026-11-28T10:00:{second:02d}Z",
        annotations={"authorization.k8s.io/decision": decision},
    )


def test_forbidden_burst_alerts_once_per_window() -> None:
    settings = DetectSettings(burst_threshold=5, burst_window=60)
    alerts, _ = run(*[_denied(s) for s in range(12)], settings=settings)
    assert rules_of(alerts) == ["audit-forbidden-burst"]
    assert "denied 5 times within 4s" in alerts[0].message


def test_forbidden_burst_negatives() -> None:
    settings = DetectSettings(burst_threshold=5, burst_window=60)
    slow = [
        event(
            "get",
            "pods",
            namespace="a",
            name="p",
            user="slow",
            code=403,
            time=f"2026-11-28T10:{m:02d}:00Z",
        )
        for m in range(10)
    ]
    admission = [_denied(s, user="deployer", decision="allow") for s in range(10)]
    controller = [_denied(s, user="system:kube-controller-manager") for s in range(10)]
    spread = [_denied(s, user=f"user{s}") for s in range(10)]
    alerts, _ = run(*slow, *admission, *controller, *spread, settings=settings)
    assert alerts == []
