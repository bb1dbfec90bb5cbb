"""Structured JSON logs: one line per decision, and the server's own events.

A decision line names the request (uid, kind, namespace, name, user, operation, dryRun), the
mode, the decision and the rules with their fields. It never carries the object: messages come
from rules, which redact values (`stockade.credentials`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from typing import Any

import orjson

from stockade.admission.judge import Verdict
from stockade.admission.review import AdmissionRequest

log = logging.getLogger("stockade.admission")


class JsonFormatter(logging.Formatter):
    """Render a record as one JSON object: time, level, logger, message and its ``event``."""

    def format(self, record: logging.LogRecord) -> str:
        """One line of JSON."""
        event = getattr(record, "event", None)
        out = _fields(record.created, record.levelname, record.name, record.getMessage(), event)
        if record.exc_info and record.exc_info[0] is not None:
            out["exception"] = record.exc_info[0].__name__
        return orjson.dumps(out, default=str).decode()


def _fields(created: float, level: str, logger: str, msg: str, event: object) -> dict[str, Any]:
    out: dict[str, Any] = {
        "time": dt.datetime.fromtimestamp(created, dt.UTC).isoformat(timespec="milliseconds"),
        "level": level.lower(),
        "logger": logger,
        "msg": msg,
    }
    if isinstance(event, dict):
        out.update(event)
    return out


def _plain_json_streams(logger: logging.Logger, level: int) -> list[logging.StreamHandler[Any]]:
    """The handlers a record of ``level`` from ``logger`` reaches, when a record changes nothing.

    That holds when no logger on the way and no handler has filters, and every handler is a
    plain `logging.StreamHandler` with a `JsonFormatter`; the list is empty otherwise (and when
    no handler would take the record, where `logging.lastResort` decides).
    """
    found: list[logging.StreamHandler[Any]] = []
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters:
            return []
        for handler in current.handlers:
            if (
                type(handler) is not logging.StreamHandler
                or type(handler.formatter) is not JsonFormatter
                or handler.filters
            ):
                return []
            if level >= handler.level:
                found.append(handler)
        current = current.parent if current.propagate else None
    return found


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
    """Write the decision line.

    One line per request: when the handlers are the plain JSON stream handlers the server
    configures, the line is written as `JsonFormatter` would write it, without building a
    `logging.LogRecord` (a twentieth of the request's CPU). Any other setup (filters, other
    handlers, test capture) gets the record.
    """
    if not log.isEnabledFor(logging.INFO):
        return
    event = decision_event(request, verdict, seconds)
    handlers = _plain_json_streams(log, logging.INFO)
    if not handlers:
        log.info("decision", extra={"event": event})
        return
    line = orjson.dumps(
        _fields(time.time(), "INFO", log.name, "decision", event), default=str
    ).decode()
    for handler in handlers:
        with handler.lock or contextlib.nullcontext():
            try:
                handler.stream.write(line + handler.terminator)
                handler.flush()
            except Exception:
                handler.handleError(
                    log.makeRecord(log.name, logging.INFO, "", 0, "decision", (), None)
                )
