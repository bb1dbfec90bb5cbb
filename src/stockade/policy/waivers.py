"""Waivers: the resource annotation and the config's exceptions.

A waived finding is still reported, marked with its waiver; it only stops counting towards the
exit code. Expired exceptions no longer apply and are reported as such; so are exceptions that
matched nothing, so stale waivers do not pile up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from stockade.inventory.resource import Resource
from stockade.model import Finding, ScanError, Waiver
from stockade.policy.config import Config, ExceptionConfig

IGNORE_ANNOTATION = "stockade.dev/ignore"


@dataclass(frozen=True, slots=True)
class AnnotationWaivers:
    """Rule ids a resource waives, with the reason given."""

    reasons: dict[str, str]


def parse_ignore_annotation(
    value: str, known_rules: AbstractSet[str]
) -> tuple[dict[str, str], list[str]]:
    """Parse ``"<rule-id>[,<rule-id>]: <reason>"`` (one entry per line).

    Returns the waived rules with their reasons and the problems found.
    """
    reasons: dict[str, str] = {}
    problems: list[str] = []
    for raw in value.splitlines():
        entry = raw.strip()
        if not entry:
            continue
        ids_part, sep, reason = entry.partition(":")
        reason = reason.strip()
        if not sep or not reason:
            problems.append(
                f'waiver "{entry[:80]}" has no reason; write "<rule-id>: <why this is accepted>"'
            )
            continue
        for rule_id in (r.strip() for r in ids_part.split(",")):
            if not rule_id:
                continue
            if rule_id not in known_rules:
                problems.append(f"waiver names unknown rule {rule_id!r}")
                continue
            reasons[rule_id] = reason
    return reasons, problems


def _resource_key(f: Finding) -> str:
    r = f.resource
    return f"{r.kind}/{r.namespace}/{r.name}" if r.namespace else f"{r.kind}/{r.name}"


def _matches(exc: ExceptionConfig, f: Finding) -> bool:
    if "*" not in exc.rules and f.rule not in exc.rules:
        return False
    if exc.fingerprints:
        return f.fingerprint in exc.fingerprints
    key = _resource_key(f)
    # A pattern without a namespace part also matches namespaced objects by kind/name.
    alt = f"{f.resource.kind}/{f.resource.name}"
    return any(fnmatchcase(key, p) or fnmatchcase(alt, p) for p in exc.resources)


@dataclass(slots=True)
class WaiverOutcome:
    """Findings with waivers applied, new input errors, and the state of each exception."""

    findings: list[Finding]
    errors: list[ScanError] = field(default_factory=list)
    exceptions: list[dict[str, Any]] = field(default_factory=list)


def apply_waivers(
    findings: list[Finding],
    resources: dict[int, Resource],
    finding_resource: list[int],
    config: Config,
    known_rules: AbstractSet[str],
    today: dt.date | None = None,
) -> WaiverOutcome:
    """Attach waivers from annotations and config exceptions to findings.

    ``finding_resource[i]`` is the key in ``resources`` of the object finding ``i`` is about.
    """
    today = today or dt.date.today()
    errors: list[ScanError] = []
    parsed: dict[int, dict[str, str]] = {}
    for key, res in resources.items():
        value = res.annotations.get(IGNORE_ANNOTATION)
        if value is None:
            continue
        reasons, problems = parse_ignore_annotation(value, known_rules)
        parsed[key] = reasons
        for problem in problems:
            errors.append(
                ScanError(
                    res.origin.file,
                    res.origin.line,
                    f"{res.display()}: annotation {IGNORE_ANNOTATION}: {problem}",
                    "Fix the annotation; the finding stays active until then.",
                )
            )
    active = [e for e in config.exceptions if e.expires is None or e.expires >= today]
    used: dict[str, int] = {e.id: 0 for e in config.exceptions}
    out: list[Finding] = []
    for i, f in enumerate(findings):
        waiver: Waiver | None = None
        reasons = parsed.get(finding_resource[i], {})
        if f.rule in reasons:
            waiver = Waiver(source="annotation", reason=reasons[f.rule])
        else:
            for exc in active:
                if _matches(exc, f):
                    used[exc.id] += 1
                    waiver = Waiver(
                        source="config",
                        reason=exc.reason,
                        owner=exc.owner,
                        approved_by=exc.approved_by,
                        expires=exc.expires.isoformat() if exc.expires else None,
                        compensating_controls=tuple(exc.compensating_controls),
                        id=exc.id,
                    )
                    break
        out.append(f if waiver is None else _with_waiver(f, waiver))
    states: list[dict[str, Any]] = []
    for exc in config.exceptions:
        expired = exc.expires is not None and exc.expires < today
        status = "expired" if expired else ("unused" if used[exc.id] == 0 else "active")
        states.append(
            {
                "id": exc.id,
                "status": status,
                "findings": used[exc.id],
                "owner": exc.owner,
                "expires": exc.expires.isoformat() if exc.expires else None,
            }
        )
    return WaiverOutcome(out, errors, states)


def _with_waiver(f: Finding, waiver: Waiver) -> Finding:
    from dataclasses import replace

    return replace(f, waiver=waiver)
