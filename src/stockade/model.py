"""The values that flow through the pipeline: severities, references, findings and scan results.

Findings are immutable values. Rules yield `Violation`s (what is wrong and where, relative to
the subject); the runner turns them into `Finding`s by adding the rule's metadata, the resource
reference, the file location and a fingerprint.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

FieldPath = tuple[str | int, ...]
"""A path into a Kubernetes object: ``("spec", "containers", 0, "image")``."""


@lru_cache(maxsize=65_536)
def render_path(path: FieldPath) -> str:
    """Render a field path the way kubectl explains fields: ``spec.containers[0].image``."""
    out: list[str] = []
    for part in path:
        if isinstance(part, int):
            out.append(f"[{part}]")
        elif not out:
            out.append(part)
        elif "." in part or "/" in part:
            # NOTE: annotation and label keys contain dots; quote them so the path stays readable.
            out.append(f"[{part!r}]".replace("'", '"'))
        else:
            out.append(f".{part}")
    return "".join(out)


class Severity(StrEnum):
    """How bad a finding is. Ordered: low < medium < high < critical."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        """Numeric order, for thresholds and sorting."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.LOW: 1, Severity.MEDIUM: 2, Severity.HIGH: 3, Severity.CRITICAL: 4}


class Category(StrEnum):
    """The security layer a rule belongs to."""

    WORKLOAD = "workload"
    IMAGES = "images"
    SECRETS = "secrets"
    NETWORK = "network"
    RBAC = "rbac"
    CONTROL_PLANE = "control-plane"
    GENERAL = "general"


@dataclass(frozen=True, slots=True, order=True)
class ResourceRef:
    """Identifies one Kubernetes object."""

    api_version: str
    kind: str
    namespace: str | None
    name: str

    def display(self) -> str:
        """``Kind/namespace/name`` or ``Kind/name`` for cluster-scoped objects."""
        if self.namespace:
            return f"{self.kind}/{self.namespace}/{self.name}"
        return f"{self.kind}/{self.name}"

    def to_json(self) -> dict[str, Any]:
        """The JSON contract shape."""
        return {
            "apiVersion": self.api_version,
            "kind": self.kind,
            "namespace": self.namespace,
            "name": self.name,
        }


@dataclass(frozen=True, slots=True)
class Location:
    """Where a finding points: a file and line (when the object came from a file) and a field path."""

    file: str | None
    line: int | None
    path: str

    def to_json(self) -> dict[str, Any]:
        """The JSON contract shape."""
        return {"file": self.file, "line": self.line, "path": self.path}


@dataclass(frozen=True, slots=True)
class Violation:
    """What a rule reports: a message and the offending field, relative to the rule's subject.

    ``path`` is relative to the subject's base (a pod template's spec for pod rules, the object
    for resource rules). ``key`` identifies the violation for fingerprints when the path holds
    list indices that can move (a container name, a volume name); ``resource`` lets
    inventory-wide rules point at any object. ``evidence`` must already be redacted.
    """

    message: str
    path: FieldPath = ()
    key: str | None = None
    evidence: str | None = None
    resource: Any = None  # inventory.Resource; typed loosely to keep model free of imports


@dataclass(frozen=True, slots=True)
class Waiver:
    """Why a finding is accepted: an annotation on the resource or an exception in the config."""

    source: str  # "annotation" or "config"
    reason: str
    owner: str | None = None
    approved_by: str | None = None
    expires: str | None = None
    compensating_controls: tuple[str, ...] = ()
    id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON contract shape."""
        out: dict[str, Any] = {"source": self.source, "reason": self.reason}
        if self.id:
            out["id"] = self.id
        if self.owner:
            out["owner"] = self.owner
        if self.approved_by:
            out["approved_by"] = self.approved_by
        if self.expires:
            out["expires"] = self.expires
        if self.compensating_controls:
            out["compensating_controls"] = list(self.compensating_controls)
        return out


@dataclass(frozen=True, slots=True)
class Finding:
    """One rule violated by one resource at one place."""

    rule: str
    title: str
    severity: Severity
    category: Category
    resource: ResourceRef
    location: Location
    message: str
    remediation: str
    frameworks: dict[str, Any]
    fingerprint: str
    evidence: str | None = None
    waiver: Waiver | None = None
    managed_by: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON contract shape (docs/json-output.md)."""
        out: dict[str, Any] = {
            "rule": self.rule,
            "title": self.title,
            "severity": self.severity.value,
            "category": self.category.value,
            "resource": self.resource.to_json(),
            "location": self.location.to_json(),
            "message": self.message,
            "remediation": self.remediation,
            "frameworks": self.frameworks,
            "fingerprint": self.fingerprint,
        }
        if self.evidence is not None:
            out["evidence"] = self.evidence
        if self.waiver is not None:
            out["waiver"] = self.waiver.to_json()
        if self.managed_by is not None:
            out["managed_by"] = self.managed_by
        return out

    def sort_key(self) -> tuple[Any, ...]:
        """Stable output order: file, line, rule, then fingerprint."""
        return (
            self.location.file or "",
            self.location.line or 0,
            self.resource.kind,
            self.resource.namespace or "",
            self.resource.name,
            self.rule,
            self.fingerprint,
        )


def fingerprint(rule: str, resource: ResourceRef, key: str) -> str:
    """A stable id for a finding: independent of file layout, line numbers and output order."""
    group = resource.api_version.rpartition("/")[0] if "/" in resource.api_version else ""
    raw = "\x1f".join((rule, group, resource.kind, resource.namespace or "", resource.name, key))
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ScanError:
    """A problem with the input: file, line, what is wrong and what to do."""

    file: str
    line: int | None
    message: str
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON contract shape."""
        out: dict[str, Any] = {"file": self.file, "line": self.line, "message": self.message}
        if self.hint:
            out["hint"] = self.hint
        return out


@dataclass(frozen=True, slots=True)
class NotEvaluated:
    """A rule (or group of rules) that could not be evaluated, and why. Never a pass."""

    rules: tuple[str, ...]
    reason: str
    scope: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSON contract shape."""
        out: dict[str, Any] = {"rules": list(self.rules), "reason": self.reason}
        if self.scope:
            out["scope"] = self.scope
        return out


@dataclass(slots=True)
class ScanResult:
    """Everything one scan produced."""

    findings: list[Finding] = field(default_factory=list)
    errors: list[ScanError] = field(default_factory=list)
    not_evaluated: list[NotEvaluated] = field(default_factory=list)
    resources: int = 0
    skipped_documents: int = 0
    files: int = 0
    exceptions: list[dict[str, Any]] = field(default_factory=list)
    """State of each configured exception: active, expired or unused."""

    def active(self) -> list[Finding]:
        """Findings that no waiver covers."""
        return [f for f in self.findings if f.waiver is None]

    def waived(self) -> list[Finding]:
        """Findings a waiver covers; always reported, never dropped."""
        return [f for f in self.findings if f.waiver is not None]

    def by_severity(self, findings: Iterable[Finding] | None = None) -> dict[str, int]:
        """Counts per severity, every level present."""
        counts = {s.value: 0 for s in Severity}
        for f in self.active() if findings is None else findings:
            counts[f.severity.value] += 1
        return counts
