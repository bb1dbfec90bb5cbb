"""What a source could not read, and which rules that leaves unevaluated.

A live cluster may refuse to list a kind (403) or not serve it at all (404). Such a kind is
recorded as an `UnreadableKind`; every rule that reads it is reported in ``not_evaluated``
(with the kind and the reason), so a scan never presents it as passing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from stockade.inventory.podspec import POD_BEARING_KINDS
from stockade.model import NotEvaluated
from stockade.rules.registry import Rule, Target

LIVE_CAPABILITIES = frozenset({"live"})
"""What a cluster (or a snapshot of one) provides: objects as served, Secrets without values."""


@dataclass(frozen=True, slots=True)
class UnreadableKind:
    """A kind a source could not list: where, with what HTTP status, and why."""

    kind: str
    api_version: str
    reason: str
    status: int | None = None
    namespace: str | None = None

    def scope(self) -> str:
        """``Kind`` or ``Kind in namespace ns``."""
        return f"{self.kind} in namespace {self.namespace}" if self.namespace else self.kind

    def to_json(self) -> dict[str, Any]:
        """The snapshot and report shape."""
        return {
            "kind": self.kind,
            "apiVersion": self.api_version,
            "namespace": self.namespace,
            "status": self.status,
            "reason": self.reason,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UnreadableKind:
        """Read back what `to_json` wrote; missing fields read as unknown."""
        status = data.get("status")
        ns = data.get("namespace")
        return cls(
            kind=str(data.get("kind", "")),
            api_version=str(data.get("apiVersion", "")),
            reason=str(data.get("reason", "")),
            status=status if isinstance(status, int) else None,
            namespace=ns if isinstance(ns, str) and ns else None,
        )


def reads_kind(rule: Rule, kind: str) -> bool:
    """Whether a rule's verdict depends on objects of ``kind``.

    Pod rules read every pod-bearing kind; resource rules read their kinds; inventory rules read
    the kinds they declare, or everything when they declare none (the cautious answer).
    """
    meta = rule.meta
    if meta.target is Target.POD:
        return kind in POD_BEARING_KINDS
    if meta.target is Target.RESOURCE:
        return kind in meta.kinds
    return not meta.kinds or kind in meta.kinds


def not_evaluated_for(
    rules: Iterable[Rule], unreadable: Sequence[UnreadableKind]
) -> list[NotEvaluated]:
    """One entry per unreadable kind, naming the rules that could not be fully evaluated."""
    rules = list(rules)
    out: list[NotEvaluated] = []
    for u in sorted(unreadable, key=lambda u: (u.kind, u.namespace or "", u.api_version)):
        affected = tuple(sorted(r.id for r in rules if reads_kind(r, u.kind)))
        if not affected:
            continue
        status = f"HTTP {u.status}: " if u.status else ""
        out.append(
            NotEvaluated(affected, f"cannot list {u.scope()}: {status}{u.reason}", u.scope())
        )
    return out


def unreadable_of(
    unreadable: Iterable[UnreadableKind], kinds: Iterable[str]
) -> list[UnreadableKind]:
    """The unreadable entries for ``kinds`` (what a query reads), sorted by kind and namespace."""
    wanted = frozenset(kinds)
    return sorted(
        (u for u in unreadable if u.kind in wanted),
        key=lambda u: (u.kind, u.namespace or "", u.api_version),
    )
