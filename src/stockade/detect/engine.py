"""The detector: runs the rule catalogue over a stream of audit events, one at a time.

Each event is dispatched only to the rules that declared its (resource, subresource); rules
without a declaration see every event. Alerts are deduplicated per request (``auditID``) and
rule, because exec, attach and watch requests are logged at several stages. Events logged at
too low a level for a rule are counted in ``not_evaluated``, never silently passed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from stockade.detect.alert import Alert, scrub, secret_values
from stockade.detect.event import AuditEvent
from stockade.detect.readers import ReadItem
from stockade.detect.registry import AuditRule, DetectContext, Hit
from stockade.detect.settings import DetectSettings
from stockade.detect.state import BoundedSet
from stockade.model import ScanError

MAX_ERRORS = 1000
_SAMPLE_IDS = 3


@dataclass(slots=True)
class _Unevaluated:
    count: int = 0
    audit_ids: list[str] = field(default_factory=list)


@dataclass(slots=True)
class DetectResult:
    """Everything one detection run produced (the ``--format json`` document)."""

    events: int = 0
    alerts: list[Alert] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    not_evaluated: list[dict[str, Any]] = field(default_factory=list)
    errors_dropped: int = 0

    def to_json(self) -> dict[str, Any]:
        """The JSON contract: ``{"events", "alerts", "errors", "not_evaluated"}``."""
        errors = [e.to_json() for e in self.errors]
        if self.errors_dropped:
            errors.append(
                {
                    "file": None,
                    "line": None,
                    "message": f"{self.errors_dropped} more errors not listed",
                }
            )
        return {
            "events": self.events,
            "alerts": [a.to_json() for a in self.alerts],
            "errors": errors,
            "not_evaluated": self.not_evaluated,
        }


class Detector:
    """Stateful detection over one stream; feed items in log order."""

    def __init__(self, rules: Sequence[AuditRule], settings: DetectSettings | None = None) -> None:
        self.settings = settings or DetectSettings()
        disabled = set(self.settings.disabled)
        self.rules = [r for r in rules if r.id not in disabled]
        self.ctx = DetectContext(self.settings)
        self.events = 0
        self.errors: list[ScanError] = []
        self.errors_dropped = 0
        self._unevaluated: dict[tuple[str, str], _Unevaluated] = {}
        self._need_start = True
        self._seen = BoundedSet[tuple[str, str, str]](self.settings.state_limit)
        every = tuple(r for r in self.rules if r.resources is None)
        self._every = every
        by_key: dict[tuple[str, str], list[AuditRule]] = {}
        for rule in self.rules:
            for key in rule.resources or ():
                by_key.setdefault(key, list(every)).append(rule)
        self._dispatch = {k: tuple(v) for k, v in by_key.items()}

    def feed(self, item: ReadItem) -> list[Alert]:
        """Process one read item; return the alerts it raised (often none)."""
        if item.error is not None:
            self._add_error(item.error)
            return []
        event = item.event
        if event is None:
            return []
        return self.feed_event(event)

    def feed_event(self, event: AuditEvent) -> list[Alert]:
        """Process one event; return the alerts it raised."""
        self.events += 1
        if self._need_start:
            start = event.timestamp()
            if start is not None:
                # NOTE: windows (learning, bursts) run on event time, so old logs replay true.
                self.ctx.state["first_time"] = start
                self._need_start = False
        if event.stage == "RequestReceived":
            return []
        rules = self._dispatch.get((event.resource, event.subresource), self._every)
        alerts: list[Alert] = []
        secrets: set[str] | None = None
        stage, verb = event.stage, event.verb
        for rule in rules:
            # The rule's declared filters, cheapest first (this loop runs per rule per event).
            if stage not in rule.stages or (rule.verbs is not None and verb not in rule.verbs):
                continue
            gate = rule.gate
            if gate is not None and not gate(event):
                continue
            if (rule.skip_failed and event.failed) or (rule.skip_dry_run and event.dry_run):
                continue
            if rule.skip_system and self.settings.is_system(event.username):
                continue
            for outcome in rule.function(event, self.ctx):
                if isinstance(outcome, Hit):
                    dedupe = (rule.id, event.audit_id, outcome.key or "")
                    if not self._seen.add(dedupe):
                        continue
                    if secrets is None:
                        secrets = secret_values(event)
                    alerts.append(_make_alert(rule, event, outcome, secrets))
                else:
                    self._note_unevaluated(rule.id, outcome.reason, event.audit_id)
        return alerts

    def _add_error(self, error: ScanError) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(error)
        else:
            self.errors_dropped += 1

    def _note_unevaluated(self, rule: str, reason: str, audit_id: str) -> None:
        entry = self._unevaluated.get((rule, reason))
        if entry is None:
            if len(self._unevaluated) >= MAX_ERRORS:
                return
            entry = self._unevaluated[(rule, reason)] = _Unevaluated()
        entry.count += 1
        if len(entry.audit_ids) < _SAMPLE_IDS and audit_id not in entry.audit_ids:
            entry.audit_ids.append(audit_id)

    def not_evaluated(self) -> list[dict[str, Any]]:
        """Aggregated ``not_evaluated`` entries: rule, reason, how many events, sample ids."""
        return [
            {"rules": [rule], "reason": reason, "events": e.count, "auditIDs": list(e.audit_ids)}
            for (rule, reason), e in sorted(self._unevaluated.items())
        ]

    def result(self, alerts: list[Alert]) -> DetectResult:
        """The run's result document, given the alerts the caller kept."""
        return DetectResult(
            events=self.events,
            alerts=alerts,
            errors=list(self.errors),
            not_evaluated=self.not_evaluated(),
            errors_dropped=self.errors_dropped,
        )

    def run(self, items: Iterable[ReadItem]) -> Iterator[Alert]:
        """Alerts of a stream of items, as they are raised."""
        for item in items:
            yield from self.feed(item)


def _make_alert(rule: AuditRule, event: AuditEvent, hit: Hit, secrets: set[str]) -> Alert:
    message = hit.message
    imp = event.impersonated_user
    if imp is not None and rule.id != "audit-impersonation":
        as_user = imp.get("username")
        if isinstance(as_user, str) and as_user:
            message = f"{message} (impersonating {as_user})"
    if secrets:
        message = scrub(message, secrets)
    return Alert(
        rule=rule.id,
        severity=hit.severity or rule.severity,
        time=event.time,
        audit_id=event.audit_id,
        user=event.username,
        source_ips=tuple(event.source_ips),
        verb=event.verb,
        group=event.group,
        resource=event.resource,
        subresource=event.subresource,
        namespace=event.namespace,
        name=event.name,
        mitre=rule.mitre,
        message=message,
    )


def detect(
    items: Iterable[ReadItem], rules: Sequence[AuditRule], settings: DetectSettings | None = None
) -> DetectResult:
    """Run every rule over ``items`` and collect the result document."""
    detector = Detector(rules, settings)
    alerts = list(detector.run(items))
    return detector.result(alerts)
