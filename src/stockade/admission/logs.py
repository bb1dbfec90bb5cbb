"""Structured JSON logs: one line per decision, and the server's own events.

A decision line names the request (uid, kind, namespace, name, user, operation, dryRun), the
mode, the decision and the rules with their fields. It never carries the object: messages come
from rules, which redact values (`stockade.credentials`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import orjson

from stockade.admission.judge import Verdict
from stockade.admission.review import AdmissionRequest

log = logging.getLogger("stockade.admission")


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object: time, level, logger, message and its ``event``."""

    def format(self, record: logging.LogRecord) -> str:
        """One line of JSON."""
        out: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        event = getattr(record, "event", None)
        if isinstance(event, dict):
            out.update(event)
        if record.exc_info and record.exc_info[0] is not None:
            out["exception"] = record.exc_info[0].__name__
        return orjson.dumps(out, default=str).decode()


def decision_event(request: AdmissionRequest, verdict: Verdict, seconds: float) -> dict[str, Any]:
    """The fields of a decision line."""
    event: dict[str, Any] = {
        "uid": request.uid,
        "operation": request.operation,
        "kind": verdict.kind or request.kind,
        "namespace": verdict.namespace or request.namespace,
        "name": verdict.name or request.name,
        "user": request.username,
        "dry_run": request.dry_run,
        "mode": verdict.mode.value if verdict.mode is not None else None,
        "decision": verdict.decision,
        "allowed": verdict.allowed,
        "rules": verdict.rules,
        "duration_ms": round(seconds * 1000, 3),
    }
    if verdict.reason:
        event["reason"] = verdict.reason
    if verdict.findings:
        event["violations"] = [
            {
                "rule": f.rule,
                "severity": f.severity.value,
                "path": f.location.path,
                "message": f.message,
            }
            for f in verdict.findings
        ]
    if verdict.waived:
        event["waived"] = [
            {"rule": f.rule, "source": f.waiver.source if f.waiver else None}
            for f in verdict.waived
        ]
    if verdict.errors:
        event["problems"] = [e.message for e in verdict.errors]
    return event


def log_decision(request: AdmissionRequest, verdict: Verdict, seconds: float) -> None:
    """Write the decision line."""
    log.info("decision", extra={"event": decision_event(request, verdict, seconds)})
