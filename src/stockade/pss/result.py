"""What a check returns: allowed or not, PSA's reason and detail, and the offending fields."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from stockade.model import FieldPath


@dataclass(frozen=True, slots=True)
class Offender:
    """One field that violates a check. ``path`` is relative to the pod (``("spec", …)`` or
    ``("metadata", "annotations", key)``)."""

    path: FieldPath
    container: str | None
    detail: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The verdict of one check, worded as the API server words it."""

    check: str
    allowed: bool
    reason: str = ""
    detail: str = ""
    offenders: tuple[Offender, ...] = ()

    @property
    def message(self) -> str:
        """``reason (detail)``, as in the API server's denial."""
        return f"{self.reason} ({self.detail})" if self.detail else self.reason


ALLOWED_CACHE: dict[str, CheckResult] = {}


def allowed(check: str) -> CheckResult:
    """The (shared) allowed result of a check."""
    found = ALLOWED_CACHE.get(check)
    if found is None:
        found = ALLOWED_CACHE[check] = CheckResult(check, True)
    return found


@dataclass(frozen=True, slots=True)
class PssEvaluation:
    """All violated checks of one pod at one level and version."""

    level: str
    version: str
    violations: list[CheckResult] = field(default_factory=list)

    @property
    def allowed(self) -> bool:
        """No check denied the pod."""
        return not self.violations

    def message(self) -> str:
        """The API server's text: ``violates PodSecurity "restricted:v1.30": r (d), r (d)``."""
        parts = ", ".join(v.message for v in self.violations)
        return f'violates PodSecurity "{self.level}:{self.version}": {parts}'


def quote(value: str) -> str:
    """Go's %q for the plain strings that appear in pod specs."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def join_quote(values: Iterable[str]) -> str:
    """``"a", "b"``."""
    return ", ".join(quote(v) for v in values)


def pluralize(singular: str, plural: str, n: int) -> str:
    """The singular for one, the plural otherwise."""
    return singular if n == 1 else plural
