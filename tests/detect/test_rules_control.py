"""audit-csr-approved and audit-webhook-config-changed."""

from __future__ import annotations

from typing import Any

from stockade.model import Severity

from tests.detect.auditevents import event, rules_of, run

CERTS = "certificates.k8s.io"
ADM = "admissionregistration.k8s.io"


def csr(condition: str, signer: str = "kubernetes.io/kube-apiserver-client") -> dict[str, Any]:
    return {
        "apiVersion": f"{CERTS}/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": "mallory-csr"},
        "spec": {"signerName": signer, "username": "mallory", "request": "LS0t"},
        "status": {
            "conditions": [{"type": condition, "status": "True", "reason": "KubectlApprove"}]
        },
    }


def test_csr_approval_for_client_certificate() -> None:
    alerts, _ = run(
        event(
            "update",
            "certificatesigningrequests",
            group=CERTS,
            name="mallory-csr",
            subresource="approval",
            request=csr("Approved"),
        )
    )
    assert rules_of(alerts) == ["audit-csr-approved"]
    assert alerts[0].severity is Severity.HIGH
    assert "kube-apiserver-client" in alerts[0].message and "mallory" in alerts[0].message


def test_csr_approval_by_json_patch_other_signer_is_medium() -> None:
    patch = [
        {
            "op": "add",
            "path": "/status/conditions/-",
            "value": {"type": "Approved", "status": "True"},
        }
    ]
    alerts, _ = run(
        event(
            "patch",
            "certificatesigningrequests",
            group=CERTS,
            name="c",
            subresource="approval",
            level="Request",
            request=patch,
        )
    )
    assert rules_of(alerts) == ["audit-csr-approved"]
    assert alerts[0].severity is Severity.MEDIUM


def test_csr_negatives_denial_controller_and_metadata() -> None:
    alerts, det = run(
        event(
            "update",
            "certificatesigningrequests",
            group=CERTS,
            name="c",
            subresource="approval",
            request=csr("Denied"),
        ),
        event(
            "update",
            "certificatesigningrequests",
            group=CERTS,
            name="c",
            subresource="approval",
            request=csr("Approved", "kubernetes.io/kubelet-serving"),
            user="system:serviceaccount:kube-system:certificate-controller",
        ),
        event(
            "create", "certificatesigningrequests", group=CERTS, name="c", request=csr("Approved")
        ),
        event(
            "update", "certificatesigningrequests", group=CERTS, name="c", subresource="approval"
        ),
    )
    assert alerts == []
    assert [e["rules"] for e in det.not_evaluated()] == [["audit-csr-approved"]]


def webhook_config(failure: str = "Fail") -> dict[str, Any]:
    return {
        "apiVersion": f"{ADM}/v1",
        "kind": "MutatingWebhookConfiguration",
        "metadata": {"name": "inject"},
        "webhooks": [
            {
                "name": "inject.example.com",
                "failurePolicy": failure,
                "clientConfig": {"service": {"name": "inj", "namespace": "x"}},
            }
        ],
    }


def test_webhook_configuration_created_and_deleted() -> None:
    alerts, _ = run(
        event(
            "create",
            "mutatingwebhookconfigurations",
            group=ADM,
            name="inject",
            request=webhook_config("Ignore"),
        ),
        event("delete", "validatingwebhookconfigurations", group=ADM, name="policy"),
        event("patch", "validatingadmissionpolicies", group=ADM, name="p"),
    )
    assert rules_of(alerts) == ["audit-webhook-config-changed"] * 3
    assert "inject.example.com" in alerts[0].message and "Ignore" in alerts[0].message
    assert "deleted ValidatingWebhookConfiguration policy" in alerts[1].message


def test_webhook_ca_bundle_rotation_is_ignored() -> None:
    merge = {
        "webhooks": [
            {"name": "inject.example.com", "clientConfig": {"caBundle": "LS0tLS1CRUdJTg=="}}
        ]
    }
    json_patch = [{"op": "replace", "path": "/webhooks/0/clientConfig/caBundle", "value": "LS0t"}]
    alerts, _ = run(
        event(
            "patch",
            "mutatingwebhookconfigurations",
            group=ADM,
            name="inject",
            request=merge,
            user="system:serviceaccount:cert-manager:cainjector",
        ),
        event(
            "patch",
            "mutatingwebhookconfigurations",
            group=ADM,
            name="inject",
            request=json_patch,
            user="system:serviceaccount:cert-manager:cainjector",
        ),
    )
    assert alerts == []


def test_webhook_patch_changing_more_than_ca_bundle_alerts() -> None:
    merge = {
        "webhooks": [
            {
                "name": "inject.example.com",
                "failurePolicy": "Ignore",
                "clientConfig": {"caBundle": "LS0t"},
            }
        ]
    }
    alerts, _ = run(
        event("patch", "mutatingwebhookconfigurations", group=ADM, name="inject", request=merge)
    )
    assert rules_of(alerts) == ["audit-webhook-config-changed"]


def test_webhook_negatives_dry_run_failure_system_other_group() -> None:
    alerts, _ = run(
        event(
            "delete",
            "validatingwebhookconfigurations",
            group=ADM,
            name="p",
            uri=f"/apis/{ADM}/v1/validatingwebhookconfigurations/p?dryRun=All",
        ),
        event("delete", "validatingwebhookconfigurations", group=ADM, name="p", code=403),
        event(
            "update",
            "validatingwebhookconfigurations",
            group=ADM,
            name="p",
            user="system:kube-controller-manager",
        ),
        event("delete", "validatingwebhookconfigurations", group="example.com", name="p"),
    )
    assert alerts == []
