"""Decisions over real HTTPS: allow, deny, warn, audit, modes by label, exemptions, waivers."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from stockade.admission.app import WebhookState
from stockade.admission.namespaces import StaticNamespaceLabels
from stockade.admission.policy import MODE_LABEL

from tests.admission.harness import (
    PRIVILEGED,
    Running,
    decisions,
    deployment,
    request_for,
)

Serve = Callable[..., Running]


def _state(tmp_path: Path, config: str | None = None, **kwargs: object) -> WebhookState:
    path = None
    if config is not None:
        path = tmp_path / "stockade.yaml"
        path.write_text(config)
    return WebhookState.from_files(path, **kwargs)  # type: ignore[arg-type]


def test_compliant_object_is_allowed(serve: Serve, tmp_path: Path, json_logs: io.StringIO) -> None:
    srv = serve(_state(tmp_path, mode="enforce"))
    req = request_for(deployment())
    resp = srv.review(req)
    assert resp["allowed"] is True
    assert "warnings" not in resp
    line = decisions(json_logs)[req["uid"]]
    assert line["decision"] == "allow"
    assert line["kind"] == "Deployment" and line["namespace"] == "team-a"
    assert line["name"] == "web" and line["user"] == "alice@example.com"


def test_enforce_denies_listing_each_rule_and_field(serve: Serve, tmp_path: Path) -> None:
    srv = serve(_state(tmp_path, mode="enforce"))
    obj = deployment(container=PRIVILEGED, hostNetwork=True)
    resp = srv.review(request_for(obj))
    assert resp["allowed"] is False
    assert resp["status"]["code"] == 403
    msg = resp["status"]["message"]
    assert "privileged-container" in msg
    assert "spec.template.spec.containers[0].securityContext.privileged" in msg
    assert "host-network" in msg and "spec.template.spec.hostNetwork" in msg
    # allowPrivilegeEscalation is medium: below the default threshold (high), not listed.
    assert "privilege-escalation-allowed" not in msg
    assert resp["auditAnnotations"]["rules"] == "host-network,privileged-container"


def test_fail_on_flag_lowers_the_threshold(serve: Serve, tmp_path: Path) -> None:
    srv = serve(_state(tmp_path, mode="enforce", fail_on="medium"))
    resp = srv.review(request_for(deployment(container=PRIVILEGED)))
    assert "privilege-escalation-allowed" in resp["status"]["message"]


def test_warn_allows_with_one_short_warning_per_rule(serve: Serve, tmp_path: Path) -> None:
    srv = serve(_state(tmp_path, mode="warn"))
    two = {
        "name": "app",
        **PRIVILEGED,
    }
    obj = deployment(container=two, hostPID=True)
    obj["spec"]["template"]["spec"]["initContainers"] = [
        {**obj["spec"]["template"]["spec"]["containers"][0], "name": "init"}
    ]
    resp = srv.review(request_for(obj))
    assert resp["allowed"] is True
    warnings = resp["warnings"]
    assert len(warnings) == 2  # privileged twice (two containers) is one warning
    assert warnings[0].startswith("stockade host-pid [high]")
    assert warnings[1].startswith("stockade privileged-container [critical]")
    assert "(+1 more)" in warnings[1]
    assert all(len(w) <= 240 for w in warnings)


def test_default_mode_is_warn(serve: Serve, tmp_path: Path) -> None:
    srv = serve(_state(tmp_path))
    resp = srv.review(request_for(deployment(container=PRIVILEGED)))
    assert resp["allowed"] is True and resp["warnings"]
    assert resp["auditAnnotations"]["mode"] == "warn"


def test_audit_allows_silently_and_logs(
    serve: Serve, tmp_path: Path, json_logs: io.StringIO
) -> None:
    srv = serve(_state(tmp_path, "admission:\n  mode: audit\n"))
    req = request_for(deployment(container=PRIVILEGED))
    resp = srv.review(req)
    assert resp["allowed"] is True
    assert "warnings" not in resp
    line = decisions(json_logs)[req["uid"]]
    assert line["decision"] == "audit" and line["mode"] == "audit"
    assert line["rules"] == ["privileged-container"]
    assert line["violations"][0]["path"].endswith("securityContext.privileged")


def test_namespace_label_chooses_the_mode(serve: Serve, tmp_path: Path) -> None:
    labels = StaticNamespaceLabels(
        {"strict": {MODE_LABEL: "enforce"}, "lab": {MODE_LABEL: "audit"}, "odd": {MODE_LABEL: "x"}}
    )
    srv = serve(_state(tmp_path, mode="warn", namespaces=labels))
    bad = deployment(container=PRIVILEGED)
    assert srv.review(request_for(bad, namespace="strict"))["allowed"] is False
    lab = srv.review(request_for(bad, namespace="lab"))
    assert lab["allowed"] is True and "warnings" not in lab
    # An unknown label value falls back to the default mode, as does an unlabelled namespace.
    for ns in ("odd", "elsewhere"):
        resp = srv.review(request_for(bad, namespace=ns))
        assert resp["allowed"] is True and resp["warnings"]
    # Labels are read per request: relabelling takes effect without a restart.
    labels.set("lab", {MODE_LABEL: "enforce"})
    assert srv.review(request_for(bad, namespace="lab"))["allowed"] is False


def test_exempt_namespaces_users_and_groups(
    serve: Serve, tmp_path: Path, json_logs: io.StringIO
) -> None:
    config = (
        "admission:\n  mode: enforce\n  exemptions:\n"
        "    namespaces: [kube-system, infra]\n"
        "    usernames: ['system:serviceaccount:ci:deployer']\n"
        "    groups: ['platform-admins']\n"
    )
    srv = serve(_state(tmp_path, config, own_namespace="stockade-system"))
    bad = deployment(container=PRIVILEGED)
    for ns in ("kube-system", "infra", "stockade-system"):
        req = request_for(bad, namespace=ns)
        assert srv.review(req)["allowed"] is True
        assert decisions(json_logs)[req["uid"]]["reason"] == "namespace"
    req = request_for(bad, username="system:serviceaccount:ci:deployer")
    assert srv.review(req)["allowed"] is True
    assert decisions(json_logs)[req["uid"]]["reason"] == "username"
    req = request_for(bad, groups=("system:authenticated", "platform-admins"))
    assert srv.review(req)["allowed"] is True
    assert decisions(json_logs)[req["uid"]]["decision"] == "exempt"
    assert srv.review(request_for(bad, namespace="team-a"))["allowed"] is False


def test_waiver_annotation_applies_as_in_scan(serve: Serve, tmp_path: Path) -> None:
    srv = serve(_state(tmp_path, mode="enforce"))
    waived = deployment(
        container=PRIVILEGED,
        annotations={"stockade.dev/ignore": "privileged-container: CNI plugin needs it"},
    )
    assert srv.review(request_for(waived))["allowed"] is True
    no_reason = deployment(
        container=PRIVILEGED, annotations={"stockade.dev/ignore": "privileged-container"}
    )
    resp = srv.review(request_for(no_reason))
    assert resp["allowed"] is False
    assert any("has no reason" in w for w in resp["warnings"])


def test_config_exception_applies_as_in_scan(serve: Serve, tmp_path: Path) -> None:
    config = """
admission: {mode: enforce}
exceptions:
  - id: EXC-1
    rules: [privileged-container]
    resources: ["Deployment/team-a/cni-*"]
    reason: CNI plugin
    owner: platform
  - id: EXC-OLD
    rules: [privileged-container]
    resources: ["Deployment/team-a/old"]
    reason: expired waiver
    owner: platform
    expires: 2020-01-01
"""
    srv = serve(_state(tmp_path, config))
    assert srv.review(request_for(deployment("cni-x", container=PRIVILEGED)))["allowed"]
    assert not srv.review(request_for(deployment("web", container=PRIVILEGED)))["allowed"]
    assert not srv.review(request_for(deployment("old", container=PRIVILEGED)))["allowed"]


def test_dry_run_is_judged_the_same(serve: Serve, tmp_path: Path, json_logs: io.StringIO) -> None:
    srv = serve(_state(tmp_path, mode="enforce"))
    req = request_for(deployment(container=PRIVILEGED), dry_run=True)
    resp = srv.review(req)
    assert resp["allowed"] is False and "privileged-container" in resp["status"]["message"]
    assert decisions(json_logs)[req["uid"]]["dry_run"] is True


def test_update_judges_the_new_object_and_delete_is_allowed(serve: Serve, tmp_path: Path) -> None:
    srv = serve(_state(tmp_path, mode="enforce"))
    good, bad = deployment(), deployment(container=PRIVILEGED)
    assert srv.review(request_for(good, operation="UPDATE", old=bad))["allowed"] is True
    assert srv.review(request_for(bad, operation="UPDATE", old=good))["allowed"] is False
    resp = srv.review(request_for(None, operation="DELETE", old=bad, kind="Deployment"))
    assert resp["allowed"] is True
    assert resp["auditAnnotations"]["decision"] == "skip"


def test_namespace_comes_from_the_request(serve: Serve, tmp_path: Path) -> None:
    labels = StaticNamespaceLabels({"strict": {MODE_LABEL: "enforce"}})
    srv = serve(_state(tmp_path, mode="warn", fail_on="low", namespaces=labels))
    obj = deployment(container=PRIVILEGED)
    del obj["metadata"]["namespace"]
    resp = srv.review(request_for(obj, namespace="strict"))
    assert resp["allowed"] is False
    assert "Deployment strict/web" in resp["status"]["message"]
    # The object lands in "strict", not in default: the default-namespace rule stays quiet.
    assert "default-namespace" not in resp["status"]["message"]


def test_other_kinds_from_the_catalogue(serve: Serve, tmp_path: Path) -> None:
    srv = serve(_state(tmp_path, mode="enforce"))
    pod: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "namespace": "team-a"},
        "spec": {"hostIPC": True, "containers": [{"name": "c", "image": "busybox:1.36"}]},
    }
    assert "host-ipc" in srv.review(request_for(pod))["status"]["message"]
    cron = {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": "c", "namespace": "team-a"},
        "spec": {
            "schedule": "* * * * *",
            "jobTemplate": {"spec": {"template": {"spec": dict(pod["spec"])}}},
        },
    }
    resp = srv.review(request_for(cron))
    assert "spec.jobTemplate.spec.template.spec.hostIPC" in resp["status"]["message"]
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "s", "namespace": "team-a"},
        "spec": {"type": "LoadBalancer", "ports": [{"port": 80}]},
    }
    assert "service-loadbalancer-open" in srv.review(request_for(svc))["status"]["message"]
