"""Who is acting: anonymous requests that were allowed, impersonation, bursts of denials.

Spec: unauthenticated requests run as user ``system:anonymous`` in group
``system:unauthenticated``; the ``authorization.k8s.io/decision`` audit annotation is
``allow`` or ``forbid``. Default RBAC lets everyone read ``/healthz``, ``/livez``, ``/readyz``
and ``/version`` (``system:public-info-viewer``). With impersonation the event's ``user`` is
the impersonator and ``impersonatedUser`` the identity the request ran as. A 403 with decision
``forbid`` is an authorisation denial (an admission denial is also 403, but with ``allow``).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from stockade.detect.event import AuditEvent
from stockade.detect.registry import (
    STARTED_OR_COMPLETE,
    DetectContext,
    Hit,
    Outcome,
    audit_rule,
)
from stockade.detect.rules.common import where
from stockade.detect.state import BoundedMap
from stockade.model import Severity

ANONYMOUS = "system:anonymous"
UNAUTHENTICATED = "system:unauthenticated"


def _maybe_anonymous(event: AuditEvent) -> bool:
    # NOTE: the anonymous authenticator sets user system:anonymous and group
    # system:unauthenticated together; other users are checked by group only when their name
    # is not a known identity type, keeping this gate cheap on every event.
    name = event.username
    if name == ANONYMOUS:
        return True
    if name.startswith("system:") or "@" in name:
        return False
    user = event.raw.get("user")
    groups = user.get("groups") if isinstance(user, dict) else None
    return isinstance(groups, list) and UNAUTHENTICATED in groups


_WRITE_VERBS = frozenset({"create", "update", "patch", "delete", "deletecollection"})


def _target(event: AuditEvent) -> str:
    if not event.has_object_ref:
        return event.path or "/"
    res = event.resource + (f"/{event.subresource}" if event.subresource else "")
    return f"{res} {where(event)}"


@audit_rule(
    id="audit-anonymous-allowed",
    title="Anonymous request allowed",
    severity=Severity.HIGH,
    mitre=("T1078",),
    stages=STARTED_OR_COMPLETE,
    skip_dry_run=False,
    gate=_maybe_anonymous,
    description="A request by system:anonymous (or in group system:unauthenticated) was "
    "allowed, other than the health and version endpoints that default RBAC opens to all.",
    remediation="Set --anonymous-auth=false on the API server (CIS 1.2.1), or remove the "
    "bindings that grant system:anonymous or system:unauthenticated anything beyond health "
    "checks.",
)
def anonymous_allowed(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """Anonymous access that authorization allowed."""
    if event.username != ANONYMOUS and UNAUTHENTICATED not in event.groups:
        return
    decision = event.decision
    if decision and decision != "allow":
        return
    if not event.has_object_ref and ctx.settings.is_public_path(event.path):
        return
    severity = Severity.CRITICAL if event.verb in _WRITE_VERBS else None
    yield Hit(f"anonymous request allowed: {event.verb} {_target(event)}", severity=severity)


@audit_rule(
    id="audit-impersonation",
    title="Request made by impersonating another identity",
    severity=Severity.MEDIUM,
    mitre=("T1078",),
    stages=STARTED_OR_COMPLETE,
    skip_failed=False,
    skip_dry_run=False,
    gate=lambda event: "impersonatedUser" in event.raw,
    description="The request carried Impersonate-User/Group headers: the impersonator acted "
    "with another identity's permissions.",
    remediation="Confirm the impersonator is meant to hold the impersonate verb; restrict it "
    "with resourceNames to the identities it needs (CIS 5.1.8).",
)
def impersonation(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """Any use of impersonation; severity rises for administrator groups."""
    imp = event.impersonated_user
    if imp is None:
        return
    as_user = imp.get("username") if isinstance(imp.get("username"), str) else "?"
    raw_groups = imp.get("groups")
    groups: list[str] = [str(g) for g in raw_groups] if isinstance(raw_groups, list) else []
    as_groups = f" (groups {', '.join(str(g) for g in groups)})" if groups else ""
    outcome = f", answered {event.code}" if event.failed and event.code else ""
    severity = Severity.HIGH if "system:masters" in groups else None
    yield Hit(
        f"{event.username} impersonated {as_user}{as_groups} to {event.verb} "
        f"{_target(event)}{outcome}",
        severity=severity,
    )


@dataclass(slots=True)
class _Burst:
    times: deque[float]
    last_alert: float | None = None


@audit_rule(
    id="audit-forbidden-burst",
    title="Burst of authorization denials (discovery)",
    severity=Severity.MEDIUM,
    mitre=("T1613", "T1069"),
    skip_failed=False,
    skip_dry_run=False,
    skip_system=True,
    gate=lambda event: event.code == 403,
    description="One identity was denied (403, decision forbid) at least burst_threshold "
    "times within burst_window: typical of a stolen credential probing what it may do.",
    remediation="Find where the identity's credential is used (sourceIPs, userAgent); if it "
    "is not a misconfigured client, revoke the credential.",
)
def forbidden_burst(event: AuditEvent, ctx: DetectContext) -> Iterator[Outcome]:
    """Sliding-window count of authorization denials per identity (bounded state)."""
    if event.code != 403 or event.decision == "allow":
        return
    now = event.timestamp()
    if now is None:
        return
    settings = ctx.settings
    bursts: BoundedMap[str, _Burst] = ctx.memo(
        "forbidden-bursts", lambda: BoundedMap(settings.state_limit)
    )
    user = event.username
    burst = bursts.get(user)
    if burst is None:
        burst = _Burst(deque(maxlen=settings.burst_threshold))
        bursts.put(user, burst)
    burst.times.append(now)
    if len(burst.times) < settings.burst_threshold:
        return
    span = now - burst.times[0]
    if span > settings.burst_window:
        return
    if burst.last_alert is not None and now - burst.last_alert < settings.burst_window:
        return
    burst.last_alert = now
    yield Hit(
        f"{user} was denied {len(burst.times)} times within {span:.0f}s "
        f"(last: {event.verb} {_target(event)})"
    )
