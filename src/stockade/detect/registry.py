"""Detection rules: metadata (id, title, severity, MITRE ids, remediation) plus one function.

A rule function receives an `AuditEvent` that already passed the rule's declared filters
(resource/subresource, verbs, stages, gate, outcome, dry run, system identities; the
detector applies them, see `stockade.detect.engine`) and yields `Hit`s
(an alert to raise) or `Unevaluated` (the event was logged at too low a level to decide).
Stateful rules keep their state in `DetectContext.state`, bounded by the settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from stockade.detect.event import AuditEvent
from stockade.detect.settings import DetectSettings
from stockade.model import Severity

RULE_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MITRE_ID = re.compile(r"^T\d{4}(\.\d{3})?$")
COMPLETE = frozenset({"ResponseComplete"})
STARTED_OR_COMPLETE = frozenset({"ResponseStarted", "ResponseComplete"})
MUTATING_VERBS = frozenset({"create", "update", "patch"})

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Hit:
    """A detection: the alert message (no secret values) and an optional severity override."""

    message: str
    severity: Severity | None = None
    key: str | None = None  # distinguishes several alerts of one rule for one request


@dataclass(frozen=True, slots=True)
class Unevaluated:
    """The rule could not decide on this event (e.g. no requestObject at Metadata level)."""

    reason: str


Outcome = Hit | Unevaluated
RuleFunction = Callable[[AuditEvent, "DetectContext"], Iterable[Outcome]]


@dataclass(slots=True)
class DetectContext:
    """What a rule may read besides the event: settings and its own bounded state."""

    settings: DetectSettings
    state: dict[str, Any] = field(default_factory=dict)

    def memo(self, key: str, factory: Callable[[], T]) -> T:
        """Per-run state shared by the rules that ask for ``key``; created on first use."""
        found = self.state.get(key)
        if found is None:
            found = factory()
            self.state[key] = found
        return found


@dataclass(frozen=True, slots=True)
class AuditRule:
    """One detection rule: metadata plus the function and the filters the engine applies."""

    id: str
    title: str
    severity: Severity
    mitre: tuple[str, ...]
    remediation: str
    description: str
    function: RuleFunction
    resources: frozenset[tuple[str, str]] | None = None
    verbs: frozenset[str] | None = None
    stages: frozenset[str] = COMPLETE
    skip_failed: bool = True
    skip_dry_run: bool = True
    skip_system: bool = False
    needs_level: str = "Metadata"
    builtin: bool = True
    gate: Callable[[AuditEvent], bool] | None = None

    def to_json(self) -> dict[str, Any]:
        """Metadata for ``stockade detect rules --format json``."""
        return {
            "id": self.id,
            "title": self.title,
            "severity": self.severity.value,
            "mitre": list(self.mitre),
            "description": self.description,
            "remediation": self.remediation,
            "needs_level": self.needs_level,
            "builtin": self.builtin,
        }


BUILTIN: dict[str, AuditRule] = {}


def audit_rule(
    *,
    id: str,
    title: str,
    severity: Severity,
    mitre: Iterable[str],
    remediation: str,
    description: str,
    resources: Iterable[tuple[str, str]] | None = None,
    verbs: Iterable[str] | None = None,
    stages: frozenset[str] = COMPLETE,
    skip_failed: bool = True,
    skip_dry_run: bool = True,
    skip_system: bool = False,
    needs_level: str = "Metadata",
    gate: Callable[[AuditEvent], bool] | None = None,
) -> Callable[[RuleFunction], RuleFunction]:
    """Register a built-in detection rule (metadata beside its function)."""

    def register(function: RuleFunction) -> RuleFunction:
        rule = AuditRule(
            id=id,
            title=title,
            severity=severity,
            mitre=tuple(mitre),
            remediation=remediation,
            description=description,
            function=function,
            resources=frozenset(resources) if resources is not None else None,
            verbs=frozenset(verbs) if verbs is not None else None,
            stages=stages,
            skip_failed=skip_failed,
            skip_dry_run=skip_dry_run,
            skip_system=skip_system,
            needs_level=needs_level,
            gate=gate,
        )
        validate_rule(rule)
        if id in BUILTIN:
            raise ValueError(f"duplicate detection rule id {id!r}")
        BUILTIN[id] = rule
        return function

    return register


def validate_rule(rule: AuditRule) -> None:
    """Reject malformed metadata at load time, not mid-stream."""
    if not RULE_ID.match(rule.id):
        raise ValueError(f"rule id {rule.id!r} is not kebab-case")
    if not rule.remediation.strip() or not rule.title.strip():
        raise ValueError(f"rule {rule.id!r} needs a title and a remediation")
    for technique in rule.mitre:
        if not MITRE_ID.match(technique):
            raise ValueError(f"rule {rule.id!r}: {technique!r} is not an ATT&CK technique id")
