"""Alerts: what a detection reports, in the documented JSON contract, with no secret values."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from stockade.detect.event import AuditEvent
from stockade.model import Severity

REDACTED = "[redacted]"
_MIN_SECRET_LEN = 4  # shorter values would redact ordinary words


@dataclass(frozen=True, slots=True)
class Alert:
    """One detection raised by one rule on one request."""

    rule: str
    severity: Severity
    time: str
    audit_id: str
    user: str
    source_ips: tuple[str, ...]
    verb: str
    group: str
    resource: str
    subresource: str
    namespace: str
    name: str
    mitre: tuple[str, ...]
    message: str

    def to_json(self) -> dict[str, Any]:
        """The JSON contract: keys as documented in docs/detect.md."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "time": self.time,
            "auditID": self.audit_id,
            "user": self.user,
            "sourceIPs": list(self.source_ips),
            "verb": self.verb,
            "resource": {
                "group": self.group,
                "resource": self.resource,
                "subresource": self.subresource or None,
                "namespace": self.namespace or None,
                "name": self.name or None,
            },
            "mitre": list(self.mitre),
            "message": self.message,
        }


def _secret_bodies(body: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(body, dict):
        return
    kind = body.get("kind")
    if kind == "Secret":
        yield body
    elif kind == "SecretList" or (isinstance(kind, str) and kind.endswith("List")):
        items = body.get("items")
        if isinstance(items, list):
            for item in items:
                if isinstance(item, dict) and (
                    kind == "SecretList" or item.get("kind") == "Secret"
                ):
                    yield item
    elif kind == "TokenRequest":
        status = body.get("status")
        if isinstance(status, dict) and isinstance(status.get("token"), str):
            yield {"stringData": {"token": status["token"]}}


def secret_values(event: AuditEvent) -> set[str]:
    """Every secret value an event carries (Secret data, raw and decoded; issued tokens)."""
    values: set[str] = set()
    if event.resource not in ("secrets", "serviceaccounts") and not _may_hold_secrets(event):
        return values
    for body in (event.request_object, event.response_object):
        for secret in _secret_bodies(body):
            for field_name in ("data", "stringData"):
                data = secret.get(field_name)
                if not isinstance(data, dict):
                    continue
                for value in data.values():
                    if not isinstance(value, str) or len(value) < _MIN_SECRET_LEN:
                        continue
                    values.add(value)
                    if field_name == "data":
                        try:
                            decoded = base64.b64decode(value, validate=True).decode("utf-8")
                        except (binascii.Error, UnicodeDecodeError):
                            continue
                        if len(decoded) >= _MIN_SECRET_LEN:
                            values.add(decoded)
    return values


def _may_hold_secrets(event: AuditEvent) -> bool:
    for body in (event.request_object, event.response_object):
        if isinstance(body, dict) and body.get("kind") in ("Secret", "SecretList", "List"):
            return True
    return False


def scrub(text: str, values: set[str]) -> str:
    """Replace any secret value that appears in ``text``; longest first."""
    for value in sorted(values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, REDACTED)
    return text
