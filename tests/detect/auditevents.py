"""Audit events for tests, shaped as the audit API reference describes them (audit.k8s.io/v1).

Defaults describe a successful request by an ordinary user, logged at ResponseComplete at
Metadata level; each test changes only what it is about.
"""

from __future__ import annotations

import itertools
from typing import Any

from stockade.detect import AuditEvent, Detector, DetectSettings, builtin_rules
from stockade.detect.alert import Alert

_ids = itertools.count(1)


def event(
    verb: str,
    resource: str | None,
    *,
    namespace: str | None = None,
    name: str | None = None,
    subresource: str | None = None,
    group: str = "",
    user: str = "alice",
    groups: list[str] | None = None,
    code: int = 200,
    stage: str = "ResponseComplete",
    level: str = "Metadata",
    uri: str | None = None,
    request: Any = None,
    response: Any = None,
    annotations: dict[str, str] | None = None,
    impersonated: dict[str, Any] | None = None,
    time: str = "2026-11-28T10:00:00.000000Z",
    audit_id: str | None = None,
) -> dict[str, Any]:
    """One audit Event as the API server writes it."""
    ev: dict[str, Any] = {
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": level,
        "auditID": audit_id or f"00000000-0000-0000-0000-{next(_ids):012d}",
        "stage": stage,
        "verb": verb,
        "user": {"username": user, "groups": groups or ["system:authenticated"]},
        "sourceIPs": ["10.0.0.7"],
        "userAgent": "kubectl/v1.31.0",
        "responseStatus": {"metadata": {}, "code": code},
        "requestReceivedTimestamp": time,
        "stageTimestamp": time,
        "annotations": {
            "authorization.k8s.io/decision": "forbid" if code == 403 else "allow",
            "authorization.k8s.io/reason": "",
        },
    }
    if annotations is not None:
        ev["annotations"] = annotations
    if resource is not None:
        ref: dict[str, Any] = {"resource": resource, "apiGroup": group, "apiVersion": "v1"}
        if namespace:
            ref["namespace"] = namespace
        if name:
            ref["name"] = name
        if subresource:
            ref["subresource"] = subresource
        ev["objectRef"] = ref
    if uri is None:
        base = f"/apis/{group}/v1" if group else "/api/v1"
        uri = (
            base
            + (f"/namespaces/{namespace}" if namespace else "")
            + (f"/{resource}" if resource else "")
            + (f"/{name}" if name else "")
            + (f"/{subresource}" if subresource else "")
        )
    ev["requestURI"] = uri
    if request is not None:
        ev["requestObject"] = request
        if level == "Metadata":
            ev["level"] = "Request"
    if response is not None:
        ev["responseObject"] = response
        ev["level"] = "RequestResponse"
    if impersonated is not None:
        ev["impersonatedUser"] = impersonated
    return ev


def run(
    *events: dict[str, Any], settings: DetectSettings | None = None
) -> tuple[list[Alert], Detector]:
    """Feed events to a detector with every built-in rule; alerts and the detector."""
    detector = Detector(builtin_rules(), settings)
    alerts: list[Alert] = []
    for ev in events:
        alerts.extend(detector.feed_event(AuditEvent.parse(ev)))
    return alerts, detector


def rules_of(alerts: list[Alert]) -> list[str]:
    """The rule ids of alerts, in order."""
    return [a.rule for a in alerts]


def pod(
    name: str = "web",
    *,
    privileged: bool = False,
    host_network: bool = False,
    image: str = "nginx:1.27",
    owner: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """A Pod object."""
    meta: dict[str, Any] = {"name": name, "namespace": "default"}
    if owner:
        meta["ownerReferences"] = [
            {
                "apiVersion": "apps/v1",
                "kind": owner[0],
                "name": owner[1],
                "uid": "u-1",
                "controller": True,
            }
        ]
    container: dict[str, Any] = {"name": "app", "image": image}
    if privileged:
        container["securityContext"] = {"privileged": True}
    spec: dict[str, Any] = {"containers": [container]}
    if host_network:
        spec["hostNetwork"] = True
    return {"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": spec}


def deployment(name: str = "web", image: str = "nginx:1.27", **kw: Any) -> dict[str, Any]:
    """A Deployment whose template is `pod`."""
    template = pod(name, image=image, **kw)
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": template["spec"]},
        },
    }
