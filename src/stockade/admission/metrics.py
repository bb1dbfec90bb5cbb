"""Prometheus metrics of the webhook.

Written with ``prometheus_client``: its exposition is the reference implementation of the text
format (label escaping, histogram buckets, ``_sum``/``_count``), it has no dependencies, and
each server gets its own registry so several can run in one process (tests).
"""

from __future__ import annotations

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from stockade.admission.judge import Verdict

CONTENT_TYPE = CONTENT_TYPE_LATEST
# The *_created series double the output and no dashboard reads them.
disable_created_metrics()  # type: ignore[no-untyped-call]
_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class WebhookMetrics:
    """Requests, decisions by mode, violations by rule and mode, latency, reloads."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "stockade_admission_requests",
            "Requests to /validate by HTTP status code.",
            ["code"],
            registry=self.registry,
        )
        self.decisions = Counter(
            "stockade_admission_decisions",
            "Admission decisions (allow, deny, warn, audit, exempt, skip) by mode.",
            ["decision", "mode"],
            registry=self.registry,
        )
        self.violations = Counter(
            "stockade_admission_rule_violations",
            "Rules violated at or above the threshold, by rule, mode and decision.",
            ["rule", "mode", "decision"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "stockade_admission_request_duration_seconds",
            "Time from request received to answer ready, for /validate.",
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.reloads = Counter(
            "stockade_admission_reloads",
            "Reloads of the config and the certificate by result.",
            ["what", "result"],
            registry=self.registry,
        )
        self.in_flight = Gauge(
            "stockade_admission_in_flight_requests",
            "Requests to /validate being answered.",
            registry=self.registry,
        )
        self._children: dict[tuple[int, tuple[str, ...]], Counter] = {}

    def count(self, counter: Counter, *labels: str) -> None:
        """``counter.labels(*labels).inc()``, keeping the child: ``labels`` validates and locks
        on every call, a few microseconds of each request. Children are made on first use, so
        the exposition lists only label values that were counted, as before."""
        key = (id(counter), labels)
        child = self._children.get(key)
        if child is None:
            child = self._children[key] = counter.labels(*labels)
        child.inc()

    def record(self, verdict: Verdict) -> None:
        """Count a decision and its rules."""
        mode = verdict.mode.value if verdict.mode is not None else "none"
        self.count(self.decisions, verdict.decision, mode)
        for rule_id in verdict.rules:
            self.count(self.violations, rule_id, mode, verdict.decision)

    def exposition(self) -> bytes:
        """The text format."""
        return generate_latest(self.registry)
