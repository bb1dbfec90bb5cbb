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
from collections.abc import Callable
from typing import Any

import orjson

from stockade.admission.judge import Verdict
from stockade.admission.review import AdmissionRequest

log = logging.getLogger("stockade.admission")

DecisionWriter = Callable[[AdmissionRequest, Verdict, float], None]


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
    """Write the decision line through `logging`: filters and any handler apply."""
    if log.isEnabledFor(logging.INFO):
        log.info("decision", extra={"event": decision_event(request, verdict, seconds)})


class StreamDecisions:
    """Decision lines written straight to the stream of the server's JSON log handler.

    The server sets up one `logging.StreamHandler` with a `JsonFormatter`, and nothing filters
    its records; it then writes each decision line as that handler would, under the handler's
    lock, without building a `logging.LogRecord` (a twentieth of a review's CPU). Other setups
    (tests, embedding) use `log_decision`, and with it the whole logging machinery.
    """

    def __init__(self, handler: logging.StreamHandler[Any], level: int) -> None:
        self._handler = handler
        self._enabled = level <= logging.INFO and handler.level <= logging.INFO

    def __call__(self, request: AdmissionRequest, verdict: Verdict, seconds: float) -> None:
        """Write one line (nothing when the level is above info)."""
        if not self._enabled:
            return
        event = decision_event(request, verdict, seconds)
        line = orjson.dumps(
            _fields(time.time(), "INFO", log.name, "decision", event), default=str
        ).decode()
        handler = self._handler
        with handler.lock or contextlib.nullcontext():
            try:
                handler.stream.write(line + handler.terminator)
                handler.flush()
            except Exception:
                handler.handleError(
                    log.makeRecord(log.name, logging.INFO, "", 0, "decision", (), None)
                )
