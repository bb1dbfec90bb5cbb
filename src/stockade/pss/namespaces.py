"""Which level and version apply to a namespace: its pod-security.kubernetes.io labels.

As Pod Security Admission reads them: an unparseable version label counts as ``latest``; an
unparseable ``enforce`` level counts as ``restricted`` (fail closed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stockade.pss.levels import LATEST, Level, PssVersion, parse_level, parse_version

ENFORCE = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION = "pod-security.kubernetes.io/enforce-version"


@dataclass(frozen=True, slots=True)
class NamespacePolicy:
    """The level and version a namespace enforces, and where that came from."""

    level: Level
    version: PssVersion
    source: str  # "labels" or "default"


def namespace_policy(labels: Mapping[str, str], default: NamespacePolicy) -> NamespacePolicy:
    """The enforced policy of a namespace with these labels, or ``default`` when unlabelled."""
    if ENFORCE not in labels:
        return default
    try:
        level = parse_level(labels[ENFORCE])
    except ValueError:
        level = Level.RESTRICTED
    try:
        version = parse_version(labels.get(ENFORCE_VERSION, "latest"))
    except ValueError:
        version = LATEST
    return NamespacePolicy(level, version, "labels")
