"""Judging one admission request with the scan pipeline: the same catalogue, config and waivers.

The object in the request becomes a one-resource inventory and goes through `scan_inventory`,
exactly as a manifest file would; only the source and the consequence differ. The object came
from the API server, so it is marked live: rules that need manifest files are reported as not
evaluated rather than run (a Secret in a cluster legitimately holds data).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cache
from typing import Any

from stockade.admission.policy import (
    AdmissionPolicy,
    Mode,
    admission_settings,
)
from stockade.admission.review import AdmissionRequest
from stockade.inventory.index import Inventory
from stockade.inventory.resource import Origin, Resource
from stockade.model import Finding, ScanError, ScanResult, Severity
from stockade.policy.waivers import IGNORE_ANNOTATION
from stockade.scan import scan_inventory

ADMISSION_ORIGIN = "<admission>"
_WARNING_CHARS = 240


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome for one request, with what the log line and metrics need."""

    allowed: bool
    decision: str  # allow | deny | warn | audit | exempt | skip
    mode: Mode | None = None
    reason: str | None = None
    findings: tuple[Finding, ...] = ()
    waived: tuple[Finding, ...] = ()
    errors: tuple[ScanError, ...] = ()
    message: str | None = None
    warnings: tuple[str, ...] = ()
    namespace: str = ""
    kind: str = ""
    name: str = ""

    @property
    def rules(self) -> list[str]:
        """Rule ids at or above the threshold, sorted, once each."""
        return sorted({f.rule for f in self.findings})


def admission_resource(request: AdmissionRequest) -> Resource | None:
    """The object under review as a live resource, in the request's namespace."""
    obj = request.object
    if obj is None:
        return None
    meta = obj.get("metadata")
    meta = dict(meta) if isinstance(meta, dict) else {}
    patched: dict[str, Any] = dict(obj)
    if request.namespace:
        # The API server's namespace is authoritative (it rejects objects that disagree).
        meta["namespace"] = request.namespace
    if not meta.get("name") and request.name:
        meta["name"] = request.name
    patched["metadata"] = meta
    if not patched.get("kind"):
        patched["kind"] = request.kind
    if not patched.get("apiVersion"):
        patched["apiVersion"] = request.api_version
    return Resource.from_object(patched, Origin(ADMISSION_ORIGIN, live=True))


def evaluate(resource: Resource, policy: AdmissionPolicy) -> ScanResult:
    """Scan one object with the policy's config: the `stockade scan` pipeline, unchanged."""
    settings = policy.scan_settings or admission_settings(
        policy.effective_config, policy.registry, None
    )
    return scan_inventory(Inventory([resource]), settings)


def at_or_above(result: ScanResult, fail_on: str) -> list[Finding]:
    """Active findings the threshold counts, as `stockade.policy.gate` counts them."""
    if fail_on == "never":
        return []
    threshold = _rank(fail_on)
    return [f for f in result.active() if f.severity.rank >= threshold]


@cache
def _rank(fail_on: str) -> int:
    return Severity(fail_on).rank


def _subject(resource: Resource) -> str:
    if resource.namespace:
        return f"{resource.kind} {resource.namespace}/{resource.name}"
    return f"{resource.kind} {resource.name}"


def deny_message(resource: Resource, findings: list[Finding], fail_on: str) -> str:
    """Every rule and field that caused the denial, and how to get past it."""
    lines = [
        f"stockade: {_subject(resource)} violates {len({f.rule for f in findings})} "
        f"rule(s) at or above {fail_on}:"
    ]
    for f in findings:
        lines.append(f"- {f.rule} [{f.severity.value}] {f.location.path}: {f.message}")
    lines.append(
        "Fix the fields listed, or waive a rule with the annotation "
        f'{IGNORE_ANNOTATION}: "<rule-id>: <reason>" (`stockade rules list` explains each rule).'
    )
    return "\n".join(lines)


def _clip(text: str) -> str:
    return text if len(text) <= _WARNING_CHARS else text[: _WARNING_CHARS - 1] + "…"


def rule_warnings(findings: list[Finding]) -> list[str]:
    """One short warning per rule: the first field and message, and how many more."""
    by_rule: dict[str, list[Finding]] = {}
    for f in findings:
        by_rule.setdefault(f.rule, []).append(f)
    out = []
    for rule_id in sorted(by_rule):
        group = by_rule[rule_id]
        first = group[0]
        more = f" (+{len(group) - 1} more)" if len(group) > 1 else ""
        out.append(
            _clip(
                f"stockade {rule_id} [{first.severity.value}] {first.location.path}: "
                f"{first.message}{more}"
            )
        )
    return out


def judge(request: AdmissionRequest, policy: AdmissionPolicy, mode: Mode) -> Verdict:
    """Decide one request in the given mode (the namespace's, resolved by the caller)."""
    namespace = request.namespace
    if request.operation not in ("CREATE", "UPDATE"):
        # DELETE removes risk and CONNECT (exec, attach) carries no object to judge.
        return Verdict(
            True,
            "skip",
            reason=request.operation.lower(),
            namespace=namespace,
            kind=request.kind,
            name=request.name,
        )
    resource = admission_resource(request)
    if resource is None:  # parse_review guarantees an object for CREATE and UPDATE
        return Verdict(True, "skip", reason="no-object", kind=request.kind, name=request.name)
    namespace = resource.namespace or ""
    exempt = policy.exemption(request, namespace)
    if exempt is not None:
        return Verdict(
            True,
            "exempt",
            mode,
            reason=exempt,
            namespace=namespace,
            kind=resource.kind,
            name=resource.name,
        )
    result = evaluate(resource, policy)
    counted = at_or_above(result, policy.fail_on)
    threshold = _rank(policy.fail_on) if policy.fail_on != "never" else 99
    waived = tuple(f for f in result.waived() if f.severity.rank >= threshold)
    errors = tuple(result.errors)
    problems = tuple(_clip(f"stockade: {e.message}") for e in errors)
    clean = Verdict(
        True,
        "allow",
        mode,
        findings=tuple(counted),
        waived=waived,
        errors=errors,
        warnings=problems,
        namespace=namespace,
        kind=resource.kind,
        name=resource.name,
    )
    if not counted:
        return clean
    if mode is Mode.ENFORCE:
        message = deny_message(resource, counted, policy.fail_on)
        return replace(clean, allowed=False, decision="deny", message=message)
    if mode is Mode.WARN:
        return replace(clean, decision="warn", warnings=(*rule_warnings(counted), *problems))
    return replace(clean, decision="audit")
