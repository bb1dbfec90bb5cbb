"""The severity gate: whether a result fails the build."""

from __future__ import annotations

from stockade.model import ScanResult, Severity

FAIL_ON_CHOICES = ("low", "medium", "high", "critical", "never")


def gate(result: ScanResult, fail_on: str) -> int:
    """0: nothing active at or above ``fail_on``; 1: something is; 2: there were input errors."""
    if result.errors:
        return 2
    if fail_on == "never":
        return 0
    threshold = Severity(fail_on).rank
    return 1 if any(f.severity.rank >= threshold for f in result.active()) else 0
