"""What a check returns: allowed or not, PSA's reason and detail, and the offending fields."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from stockade.model import FieldPath

MISSING_DETAILS = frozenset({"unset", "not false", "drop ALL missing"})
"""Offender details that stand for a required field that is missing (or, for ``not false``,
possibly missing): the offender's path is where the field must be set, not an existing field.
Every other offender's path names a field present in the pod."""


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


_GO_ESCAPES = {
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
    "\\": "\\\\",
    '"': '\\"',
}


def go_quote(value: str) -> str:
    """Go's ``%q`` (``strconv.Quote``): PSA formats annotation values with it."""
    out = ['"']
    for ch in value:
        if ch in _GO_ESCAPES:
            out.append(_GO_ESCAPES[ch])
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) <= 0xFFFF:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    out.append('"')
    return "".join(out)


def quote(value: str) -> str:
    """``"value"`` without escaping, as PSA's ``joinQuote`` wraps one item."""
    return f'"{value}"'


def join_quote(values: Iterable[str]) -> str:
    """``"a", "b"``: PSA's ``joinQuote``, which does not escape (so inner quotes stay bare)."""
    return ", ".join(f'"{v}"' for v in values)


def pluralize(singular: str, plural: str, n: int) -> str:
    """The singular for one, the plural otherwise."""
    return singular if n == 1 else plural
