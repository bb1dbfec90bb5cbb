"""audit-privileged-workload (through the scan catalogue), audit-image-changed and
audit-ephemeral-container."""

from __future__ import annotations

from typing import Any

import pytest

from stockade.detect import DetectSettings
from stockade.detect.rules import workloads
from stockade.model import Severity

from tests.detect.auditevents import deployment, event, pod, rules_of, run


def test_privileged_pod_create_alerts_through_the_scan_catalogue(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[list[str]] = []
    from stockade.scan import run_rules as real

    def spy(inventory: Any, rules: Any, ctx: Any) -> Any:
        calls.append(sorted(r.id for r in rules))
        return real(inventory, rules, ctx)

    monkeypatch.setattr(workloads, "run_rules", spy)
    alerts, _ = run(
        event("create", "pods", namespace="default", name="web", request=pod(privileged=True))
    )
    assert rules_of(alerts) == ["audit-privileged-workload"]
    assert calls == [sorted(workloads.PRIVILEGE_RULES)]
    assert "[privileged-container]" in alerts[0].message
    assert alerts[0].severity is Severity.CRITICAL


def test_host_namespaces_and_host_path_in_a_deployment() -> None:
    dep = deployment(host_network=True)
    dep["spec"]["template"]["spec"]["hostPID"] = True
    dep["spec"]["template"]["spec"]["volumes"] = [{"name": "root", "hostPath": {"path": "/"}}]
    alerts, _ = run(
        event("create", "deployments", group="apps", namespace="default", name="web", request=dep)
    )
    assert rules_of(alerts) == ["audit-privileged-workload"]
    for rule in ("host-network", "host-pid", "host-path-volume"):
        assert f"[{rule}]" in alerts[0].message


def test_patch_uses_the_stored_object_or_is_not_evaluated() -> None:
    alerts, det = run(
        event(
            "patch",
            "deployments",
            group="apps",
            namespace="default",
            name="web",
            request={"spec": {"template": {"spec": {"hostNetwork": True}}}},
            response=deployment(host_network=True),
        ),
        event(
            "patch",
            "deployments",
            group="apps",
            namespace="default",
            name="api",
            level="Request",
            request={"spec": {"replicas": 3}},
        ),
    )
    assert rules_of(alerts) == ["audit-privileged-workload"]
    reasons = [
        e["reason"] for e in det.not_evaluated() if e["rules"] == ["audit-privileged-workload"]
    ]
    assert reasons and "RequestResponse" in reasons[0]


def test_metadata_level_pod_create_is_not_evaluated() -> None:
    alerts, det = run(event("create", "pods", namespace="default", name="web"))
    assert alerts == []
    rules = {e["rules"][0] for e in det.not_evaluated()}
    assert "audit-privileged-workload" in rules


def test_controller_pods_fold_into_the_owner_alert() -> None:
    owner = ("DaemonSet", "agent")
    alerts, _ = run(
        *[
            event(
                "create",
                "pods",
                namespace="default",
                name=f"agent-{i}",
                user="system:serviceaccount:kube-system:daemon-set-controller",
                request=pod(f"agent-{i}", privileged=True, owner=owner),
            )
            for i in range(5)
        ]
    )
    assert rules_of(alerts) == ["audit-privileged-workload"]
    assert "owned by DaemonSet agent" in alerts[0].message


def test_reapplied_privileged_deployment_is_not_reported_again() -> None:
    dep = deployment(privileged=True)
    alerts, _ = run(
        event("create", "deployments", group="apps", namespace="default", name="web", request=dep),
        event("update", "deployments", group="apps", namespace="default", name="web", request=dep),
    )
    assert rules_of(alerts) == ["audit-privileged-workload"]


def test_privileged_negatives() -> None:
    alerts, _ = run(
        event("create", "pods", namespace="default", name="a", request=pod()),
        event(
            "create",
            "pods",
            namespace="default",
            name="b",
            request=pod(privileged=True),
            uri="/api/v1/namespaces/default/pods?dryRun=All",
        ),
        event(
            "create", "pods", namespace="default", name="c", request=pod(privileged=True), code=403
        ),
        event("get", "pods", namespace="default", name="d", response=pod(privileged=True)),
        event(
            "update",
            "pods",
            namespace="default",
            name="e",
            subresource="status",
            request=pod(privileged=True),
        ),
    )
    assert alerts == []


def _dep_event(verb: str, user: str = "mallory", **kw: Any) -> dict[str, Any]:
    return event(
        verb, "deployments", group="apps", namespace="default", name="web", user=user, **kw
    )


def test_image_change_by_strategic_merge_and_json_patch() -> None:
    smp = {
        "spec": {"template": {"spec": {"containers": [{"name": "app", "image": "evil/miner:1"}]}}}
    }
    jp = [
        {"op": "replace", "path": "/spec/template/spec/containers/0/image", "value": "evil/miner:2"}
    ]
    alerts, _ = run(
        _dep_event("create", user="ci", request=deployment()),
        _dep_event("patch", level="Request", request=smp),
        _dep_event("patch", level="Request", request=jp),
    )
    assert rules_of(alerts) == ["audit-image-changed"] * 2
    assert "evil/miner:1" in alerts[0].message


def test_image_change_by_update_compares_with_the_previous_state() -> None:
    alerts, _ = run(
        _dep_event("create", user="ci", request=deployment()),
        _dep_event("update", request=deployment(image="nginx:1.27")),  # unchanged
        _dep_event("update", request=deployment(image="nginx:9.9")),
    )
    assert rules_of(alerts) == ["audit-image-changed"]
    assert "app: nginx:1.27 -> nginx:9.9" in alerts[0].message


def test_image_change_negatives() -> None:
    settings = DetectSettings(deployers=("system:serviceaccount:argocd:*", "group:ci"))
    restart = {
        "spec": {
            "template": {
                "metadata": {
                    "annotations": {"kubectl.kubernetes.io/restartedAt": "2026-11-28T10:00:00Z"}
                }
            }
        }
    }
    smp = {"spec": {"template": {"spec": {"containers": [{"name": "app", "image": "v2"}]}}}}
    alerts, det = run(
        _dep_event("create", request=deployment()),
        _dep_event("patch", level="Request", request=restart),
        _dep_event(
            "patch",
            user="system:serviceaccount:argocd:app-controller",
            level="Request",
            request=smp,
        ),
        _dep_event("patch", user="jenkins", groups=["ci"], level="Request", request=smp),
        _dep_event("patch", level="Request", request=smp, code=422),
        settings=settings,
    )
    assert alerts == []
    assert not [e for e in det.not_evaluated() if e["rules"] == ["audit-image-changed"]]


def test_update_of_unknown_workload_is_not_evaluated() -> None:
    alerts, det = run(_dep_event("update", request=deployment()))
    assert alerts == []
    assert any(
        e["rules"] == ["audit-image-changed"] and "previous images unknown" in e["reason"]
        for e in det.not_evaluated()
    )


def test_ephemeral_container_from_kubectl_debug() -> None:
    body = {
        "spec": {
            "ephemeralContainers": [
                {"name": "debugger-x", "image": "busybox", "targetContainerName": "app"}
            ]
        }
    }
    alerts, _ = run(
        event(
            "patch",
            "pods",
            namespace="prod",
            name="web-1",
            subresource="ephemeralcontainers",
            level="Request",
            request=body,
        )
    )
    assert rules_of(alerts) == ["audit-ephemeral-container"]
    assert "debugger-x" in alerts[0].message and "busybox" in alerts[0].message
    assert alerts[0].severity is Severity.MEDIUM


def test_privileged_ephemeral_container_is_high_and_failures_ignored() -> None:
    body = {
        "spec": {
            "ephemeralContainers": [
                {"name": "d", "image": "alpine", "securityContext": {"privileged": True}}
            ]
        }
    }
    alerts, _ = run(
        event(
            "update",
            "pods",
            namespace="prod",
            name="web-1",
            subresource="ephemeralcontainers",
            request=body,
        ),
        event(
            "update",
            "pods",
            namespace="prod",
            name="web-1",
            subresource="ephemeralcontainers",
            request=body,
            code=403,
        ),
    )
    assert rules_of(alerts) == ["audit-ephemeral-container"]
    assert alerts[0].severity is Severity.HIGH
