"""Flags of one component as pflag reads them: last occurrence wins, list flags accumulate."""

from __future__ import annotations

import re
from dataclasses import dataclass

from stockade.inventory.resource import Resource
from stockade.model import FieldPath

_TRUE = frozenset({"1", "t", "T", "true", "TRUE", "True"})
_FALSE = frozenset({"0", "f", "F", "false", "FALSE", "False"})


def parse_bool(text: str | None) -> bool | None:
    """Go's strconv.ParseBool; a bare flag (None) is true; anything else is None."""
    if text is None:
        return True
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    return None


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str | None) -> float | None:
    """Seconds in a Go duration (``4h0m0s``, ``300s``, ``0``); None when it does not parse."""
    if text is None:
        return None
    s = text.strip()
    if s in ("0", "+0", "-0"):
        return 0.0
    sign = -1.0 if s.startswith("-") else 1.0
    s = s.lstrip("+-")
    pos, total = 0, 0.0
    for m in _DURATION_PART.finditer(s):
        if m.start() != pos:
            return None
        total += float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        pos = m.end()
    if pos != len(s) or pos == 0:
        return None
    return sign * total


def parse_int(text: str | None) -> int | None:
    """An integer flag value, None when it does not parse."""
    if text is None:
        return None
    try:
        return int(text.strip())
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class Flag:
    """One occurrence of a flag: where it is written and what it says."""

    name: str
    value: str | None
    resource: Resource
    path: FieldPath

    @property
    def text(self) -> str:
        """The value as the component reads it (a bare boolean flag reads as ``true``)."""
        return "true" if self.value is None else self.value

    def display(self) -> str:
        """``--name=value`` as written."""
        return f"--{self.name}" if self.value is None else f"--{self.name}={self.value}"


class FlagSet:
    """The flags of one component, in command-line order."""

    def __init__(self, flags: list[Flag]) -> None:
        self.flags = flags

    def all(self, name: str) -> list[Flag]:
        """Every occurrence of a flag."""
        return [f for f in self.flags if f.name == name]

    def last(self, name: str) -> Flag | None:
        """The occurrence that takes effect (the last one), or None."""
        found = self.all(name)
        return found[-1] if found else None

    def value(self, name: str) -> str | None:
        """The effective value as text, None when the flag is absent."""
        f = self.last(name)
        return f.text if f else None

    def items(self, name: str) -> list[str]:
        """A list flag: pflag appends the values of repeated occurrences."""
        out: list[str] = []
        for f in self.all(name):
            out.extend(p.strip() for p in f.text.split(",") if p.strip())
        return out

    def __contains__(self, name: object) -> bool:
        return any(f.name == name for f in self.flags)
