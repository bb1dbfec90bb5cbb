"""Small readers shared by the rule modules: bodies, verbs in messages, subjects."""

from __future__ import annotations

from typing import Any

from stockade.detect.event import AuditEvent

PAST_TENSE = {
    "create": "created",
    "update": "updated",
    "patch": "patched",
    "delete": "deleted",
    "deletecollection": "deleted (collection)",
    "get": "read",
    "list": "listed",
    "watch": "watched",
}
NO_BODY = "logged at {level} level: no {what} to read (log this resource at {need} level)"


def did(verb: str) -> str:
    """The verb in the past tense for messages (``create`` -> ``created``)."""
    return PAST_TENSE.get(verb, verb)


def object_after(event: AuditEvent, kinds: tuple[str, ...] = ()) -> dict[str, Any] | None:
    """The object as it is after the request: responseObject, else the request body.

    A patch's request body is the patch document, not the object, so for patches only the
    responseObject counts. Status objects (a failure or a delete answer) are ignored.
    """
    resp = event.response_object
    if (
        isinstance(resp, dict)
        and resp.get("kind") != "Status"
        and (not kinds or resp.get("kind") in kinds)
    ):
        return resp
    if event.verb == "patch":
        return None
    req = event.request_object
    if isinstance(req, dict) and (not kinds or req.get("kind") in kinds or "kind" not in req):
        return req
    return None


def no_body(event: AuditEvent, what: str, need: str = "Request") -> str:
    """The ``not_evaluated`` reason for an event logged without the body a rule needs."""
    if event.verb == "patch" and event.level_at_least("Request"):
        need = "RequestResponse"
        what = "responseObject (a patch body alone does not show the result)"
    return NO_BODY.format(level=event.level, what=what, need=need)


def where(event: AuditEvent) -> str:
    """``namespace/name`` or ``name`` of the request's object."""
    ns, name = event.namespace, event.name
    if ns and name:
        return f"{ns}/{name}"
    return name or (f"in namespace {ns}" if ns else "(all namespaces)")


def subjects_text(subjects: Any) -> str:
    """``User alice, ServiceAccount ci/deployer`` from a binding's subjects."""
    if not isinstance(subjects, list) or not subjects:
        return "no subjects"
    out: list[str] = []
    for s in subjects:
        if not isinstance(s, dict):
            continue
        kind = s.get("kind", "?")
        name = s.get("name", "?")
        ns = s.get("namespace")
        out.append(f"{kind} {ns}/{name}" if ns else f"{kind} {name}")
    return ", ".join(out) if out else "no subjects"
