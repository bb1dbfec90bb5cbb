"""Which level and version apply to a namespace: its pod-security.kubernetes.io labels.

As Pod Security Admission reads them: an unparseable version label counts as ``latest``; an
unparseable ``enforce`` level counts as ``restricted`` (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from stockade.pss.levels import LATEST, Level, PssVersion, parse_level, parse_version

ENFORCE = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version"


@dataclass(frozen=True, slots=True)
class NamespacePolicy:
    """The level and version a namespace enforces, and where that came from."""

    level: Level
    version: PssVersion
    source: str  # "labels" or "default"
    note: str = ""
    """Why the default applies, or how a bad label was read; empty when the labels are clean."""


def namespace_policy(labels: Mapping[str, str], default: NamespacePolicy) -> NamespacePolicy:
    """The enforced policy of a namespace with these labels, or ``default`` when unlabelled."""
    if ENFORCE not in labels:
        return replace(
            default,
            note=f"no {ENFORCE} label: evaluated at {default.level.value}:{default.version}",
        )
    notes: list[str] = []
    try:
        level = parse_level(labels[ENFORCE])
    except ValueError:
        level = Level.RESTRICTED
        notes.append(f"{ENFORCE}={labels[ENFORCE]!r} is not a level: enforced as restricted")
    try:
        version = parse_version(labels.get(ENFORCE_VERSION, "latest"))
    except ValueError:
        version = LATEST
        notes.append(f"{ENFORCE_VERSION}={labels[ENFORCE_VERSION]!r} is not a version: latest")
    return NamespacePolicy(level, version, "labels", "; ".join(notes))
