"""Pod Security Standards levels and policy versions, parsed as Pod Security Admission parses them."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

NEWEST_MINOR = 37
"""The newest policy version with a rule change that this engine knows (v1.37)."""

_VERSION = re.compile(r"v1\.(0|[1-9][0-9]*)")


class Level(StrEnum):
    """A Pod Security Standards level."""

    PRIVILEGED = "privileged"
    BASELINE = "baseline"
    RESTRICTED = "restricted"


@dataclass(frozen=True, slots=True, order=True)
class PssVersion:
    """A policy version ``v1.N``; ``latest`` is kept as written but evaluates as the newest."""

    minor: int
    latest: bool = False

    @property
    def effective_minor(self) -> int:
        """The version the rules are taken from: newer versions clamp to the newest known."""
        return NEWEST_MINOR if self.latest else min(self.minor, NEWEST_MINOR)

    def __str__(self) -> str:
        return "latest" if self.latest else f"v1.{self.minor}"


LATEST = PssVersion(NEWEST_MINOR, latest=True)


def parse_version(text: str) -> PssVersion:
    """``v1.30`` or ``latest``, matched exactly as PSA matches a namespace label; anything else is
    a ValueError that says what is accepted."""
    if text == "latest":
        return LATEST
    m = _VERSION.fullmatch(text)
    if m is None:
        raise ValueError(
            f"invalid policy version {text!r}: use latest or v1.N (v1.0 … v1.{NEWEST_MINOR})"
        )
    return PssVersion(int(m.group(1)))


def parse_level(text: str) -> Level:
    """``privileged``, ``baseline`` or ``restricted``."""
    try:
        return Level(text)
    except ValueError:
        raise ValueError(
            f"invalid level {text!r}: use privileged, baseline or restricted"
        ) from None
