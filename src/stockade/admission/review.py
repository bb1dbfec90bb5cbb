"""The ``admission.k8s.io/v1`` AdmissionReview contract: parse a request, build a response.

Spec: https://kubernetes.io/docs/reference/access-authn-authz/extensible-admission-controllers/
— the API server posts ``{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
"request": {...}}`` and expects the same apiVersion and kind back with ``response.uid`` equal to
``request.uid``. Anything else is a `ReviewError`, answered with HTTP 400, never a crash.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import orjson

API_VERSION = "admission.k8s.io/v1"
KIND = "AdmissionReview"
MAX_BODY_BYTES = 3 * 1024 * 1024
"""Largest AdmissionReview accepted: the API server's own limit on a request body."""
OPERATIONS = frozenset({"CREATE", "UPDATE", "DELETE", "CONNECT"})


class ReviewError(Exception):
    """A request that is not a valid AdmissionReview: what is wrong and what to do."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def to_json(self) -> dict[str, str]:
        """The body of the 400 answer."""
        return {"error": self.message, "hint": self.hint}


@dataclass(frozen=True, slots=True)
class AdmissionRequest:
    """The parts of ``request`` the webhook uses."""

    uid: str
    operation: str
    kind: str
    group: str
    version: str
    namespace: str
    name: str
    username: str
    groups: tuple[str, ...]
    dry_run: bool
    object: dict[str, Any] | None = field(repr=False)

    @property
    def api_version(self) -> str:
        """``group/version`` of the requested kind (``v1`` for the core group)."""
        return f"{self.group}/{self.version}" if self.group else self.version


def _str(value: Any, where: str, default: str = "") -> str:
    if value is None:
        return default
    if not isinstance(value, str):
        raise ReviewError(f"{where} must be a string", "Send an AdmissionReview as the API does.")
    return value


def parse_review(body: bytes) -> AdmissionRequest:
    """Decode and validate an AdmissionReview body."""
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ReviewError(
            f"body is not valid JSON ({exc.msg} at character {exc.pos})",
            "Send an admission.k8s.io/v1 AdmissionReview as JSON.",
        ) from None
    if not isinstance(doc, dict):
        raise ReviewError("body is not a JSON object", "Send an AdmissionReview object.")
    version = doc.get("apiVersion")
    if version != API_VERSION:
        raise ReviewError(
            f"unsupported apiVersion {str(version)[:64]!r}; only {API_VERSION} is served",
            "Set admissionReviewVersions: [v1] in the ValidatingWebhookConfiguration.",
        )
    if doc.get("kind") != KIND:
        raise ReviewError(
            f"kind must be {KIND}, not {str(doc.get('kind'))[:64]!r}",
            "Send an AdmissionReview.",
        )
    req = doc.get("request")
    if not isinstance(req, dict):
        raise ReviewError("request is missing or not an object", "Send an AdmissionReview request.")
    uid = _str(req.get("uid"), "request.uid")
    if not uid:
        raise ReviewError("request.uid is missing", "Every AdmissionReview request carries a uid.")
    operation = _str(req.get("operation"), "request.operation")
    if operation not in OPERATIONS:
        raise ReviewError(
            f"request.operation {operation[:32]!r} is not one of {', '.join(sorted(OPERATIONS))}",
            "Send the operation the API server reports.",
        )
    gvk = req.get("kind")
    if not isinstance(gvk, dict):
        raise ReviewError("request.kind is missing", "request.kind is {group, version, kind}.")
    obj = req.get("object")
    if operation in ("CREATE", "UPDATE") and not isinstance(obj, dict):
        raise ReviewError(
            f"request.object is missing or not an object for {operation}",
            "CREATE and UPDATE reviews carry the object being written.",
        )
    user = req.get("userInfo")
    user = user if isinstance(user, dict) else {}
    groups = user.get("groups") or []
    if not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        raise ReviewError("request.userInfo.groups must be a list of strings", "Fix userInfo.")
    dry_run = req.get("dryRun", False)
    if dry_run is not None and not isinstance(dry_run, bool):
        raise ReviewError("request.dryRun must be a boolean", "Send true or false.")
    return AdmissionRequest(
        uid=uid,
        operation=operation,
        kind=_str(gvk.get("kind"), "request.kind.kind"),
        group=_str(gvk.get("group"), "request.kind.group"),
        version=_str(gvk.get("version"), "request.kind.version"),
        namespace=_str(req.get("namespace"), "request.namespace"),
        name=_str(req.get("name"), "request.name"),
        username=_str(user.get("username"), "request.userInfo.username"),
        groups=tuple(groups),
        dry_run=bool(dry_run),
        object=obj if isinstance(obj, dict) else None,
    )


def review_response(
    uid: str,
    allowed: bool,
    message: str | None = None,
    warnings: list[str] | None = None,
    audit_annotations: dict[str, str] | None = None,
) -> bytes:
    """The AdmissionReview answer, serialised."""
    response: dict[str, Any] = {"uid": uid, "allowed": allowed}
    if not allowed:
        response["status"] = {"code": 403, "reason": "Forbidden", "message": message or ""}
    if warnings:
        response["warnings"] = warnings
    if audit_annotations:
        response["auditAnnotations"] = audit_annotations
    return orjson.dumps({"apiVersion": API_VERSION, "kind": KIND, "response": response})
