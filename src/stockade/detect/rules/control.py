"""Control-plane trust changes: approved certificate requests and admission configuration.

Spec: ``certificates.k8s.io/v1`` CertificateSigningRequest approval is an update (or patch) of
the ``approval`` subresource that adds ``status.conditions[type=Approved, status=True]``;
``spec.signerName`` says what the certificate is for (``kubernetes.io/kube-apiserver-client``
issues client certificates that authenticate as ``spec.request``'s subject). Admission
configuration lives in ``admissionregistration.k8s.io``: Validating/MutatingWebhookConfigurations
and (Validating|Mutating)AdmissionPolicies and their bindings; operators rotate a webhook's
``clientConfig.caBundle`` routinely, which is not a trust change worth an alert.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stockade.detect.event import AuditEvent
from stockade.detect.registry import DetectContext, Hit, Outcome, Unevaluated, audit_rule
from stockade.detect.rules.common import did, no_body
from stockade.model import Severity

CLIENT_SIGNER = "kubernetes.io/kube-apiserver-client"
ADMISSION_GROUP = "admissionregistration.k8s.io"
ADMISSION_KINDS = {
    "validatingwebhookconfigurations": "ValidatingWebhookConfiguration",
    "mutatingwebhookconfigurations": "MutatingWebhookConfiguration",
    "validatingadmissionpolicies": "ValidatingAdmissionPolicy",
    "validatingadmissionpolicybindings": "ValidatingAdmissionPolicyBinding",
    "mutatingadmissionpolicies": "MutatingAdmissionPolicy",
    "mutatingadmissionpolicybindings": "MutatingAdmissionPolicyBinding",
}
_CA_BUNDLE_ONLY_KEYS = {"name", "clientConfig", "caBundle", "metadata"}


def _approved(conditions: Any) -> bool | None:
    """True when an Approved condition is set, False when only others, None when no list."""
    if not isinstance(conditions, list):
        return None
    for cond in conditions:
        if (
            isinstance(cond, dict)
            and cond.get("type") == "Approved"
            and (cond.get("status", "True") == "True")
        ):
            return True
    return False


def _patch_conditions(patch: Any) -> Any:
    if isinstance(patch, dict):
        status = patch.get("status")
        return status.get("conditions") if isinstance(status, dict) else None
    if isinstance(patch, list):
        found: list[Any] = []
        for op in patch:
            if isinstance(op, dict) and str(op.get("path", "")).startswith("/status/conditions"):
                value = op.get("value")
                found.extend(value if isinstance(value, list) else [value])
        return found or None
    return None


@audit_rule(
    id="audit-csr-approved",
    title="Certificate signing request approved",
    severity=Severity.HIGH,
    mitre=("T1098", "T1078"),
    resources=(("certificatesigningrequests", "approval"),),
    verbs=("update", "patch"),
    skip_system=True,
    needs_level="Request",
    description="A CertificateSigningRequest was approved by an identity other than the "
    "control plane's auto-approver: a client certificate is a credential that cannot be "
    "revoked before it expires.",
    remediation="Check the request's subject and signer; if unexpected, delete the CSR before "
    "the certificate is fetched and remove approve on signers from the approver's roles "
    "(CIS 5.1.11).",
)
def csr_approved(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """An approval written to a CSR's approval subresource."""
    body = event.response_object if isinstance(event.response_object, dict) else None
    if body is None and event.verb == "update" and isinstance(event.request_object, dict):
        body = event.request_object
    if body is not None and body.get("kind") == "Status":
        body = None
    if body is not None:
        status = body.get("status")
        approved = _approved(status.get("conditions") if isinstance(status, dict) else None)
    elif event.verb == "patch" and event.level_at_least("Request"):
        approved = _approved(_patch_conditions(event.request_object))
    else:
        yield Unevaluated(no_body(event, "requestObject (approve and deny look alike)"))
        return
    if approved is None and body is None:
        yield Unevaluated(no_body(event, "status.conditions"))
        return
    if not approved:
        return
    spec = body.get("spec") if isinstance(body, dict) else None
    spec = spec if isinstance(spec, dict) else {}
    signer = str(spec.get("signerName") or "unknown signer")
    requester = spec.get("username")
    by = f", requested by {requester}" if isinstance(requester, str) and requester else ""
    severity = None if signer == CLIENT_SIGNER else Severity.MEDIUM
    yield Hit(
        f"{event.username} approved CertificateSigningRequest {event.name} (signer {signer}{by})",
        severity=severity,
    )


def _only_ca_bundle(patch: Any) -> bool:
    """Whether a patch body changes nothing but webhook caBundles (and metadata)."""
    if isinstance(patch, list):
        paths = [str(op.get("path", "")) for op in patch if isinstance(op, dict)]
        return bool(paths) and all(
            p.endswith("/caBundle") or p.startswith("/metadata") for p in paths
        )
    if isinstance(patch, dict):
        return bool(patch) and _keys_within(patch, top=True)
    return False


def _keys_within(node: Any, top: bool = False) -> bool:
    if isinstance(node, dict):
        for key, value in node.items():
            if top and key == "webhooks":
                if not isinstance(value, list):
                    return False
                if not all(_keys_within(w) for w in value):
                    return False
                continue
            if top and key in ("metadata", "apiVersion", "kind"):
                continue
            if key not in _CA_BUNDLE_ONLY_KEYS or (
                key != "caBundle" and not (key == "name" or _keys_within(value))
            ):
                return False
        return True
    return not top


@audit_rule(
    id="audit-webhook-config-changed",
    title="Admission webhook or policy configuration changed",
    severity=Severity.HIGH,
    mitre=("T1546", "T1562.001"),
    resources=tuple((r, "") for r in ADMISSION_KINDS),
    verbs=("create", "update", "patch", "delete", "deletecollection"),
    skip_system=True,
    description="An admission webhook configuration or admission policy (or binding) was "
    "created, changed or deleted: a new mutating webhook sees and can alter every object; a "
    "deleted or relaxed policy switches a defence off. caBundle-only patches are ignored.",
    remediation="Confirm the change with the owner of the admission configuration; restrict "
    "write access to admissionregistration.k8s.io to the operators that own it (CIS 5.1.12).",
)
def webhook_config_changed(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """Writes to admission configuration, except certificate rotation."""
    if event.group and event.group != ADMISSION_GROUP:
        return
    if event.verb == "patch" and _only_ca_bundle(event.request_object):
        return
    kind = ADMISSION_KINDS.get(event.resource, event.resource)
    name = event.name or "(collection)"
    detail = ""
    body = event.response_object if event.verb != "delete" else None
    if not isinstance(body, dict) or body.get("kind") == "Status":
        body = event.request_object if event.verb in ("create", "update") else None
    if isinstance(body, dict) and isinstance(body.get("webhooks"), list):
        hooks = [w for w in body["webhooks"] if isinstance(w, dict)]
        names = ", ".join(str(w.get("name", "?")) for w in hooks[:3])
        policies = {str(w.get("failurePolicy", "Fail")) for w in hooks}
        detail = (
            f" (webhooks: {names}{'…' if len(hooks) > 3 else ''}; failurePolicy "
            f"{'/'.join(sorted(policies))})"
            if hooks
            else ""
        )
    yield Hit(f"{event.username} {did(event.verb)} {kind} {name}{detail}")
