"""The enforce policy of a namespace, read from its labels as Pod Security Admission reads them.

``pod-security.kubernetes.io/enforce`` names the level and ``…/enforce-version`` the policy
version. PSA fails closed on a bad level (an unparseable ``enforce`` counts as ``restricted``)
and treats a missing or unparseable version as ``latest``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from stockade.pss.levels import LATEST, Level, PssVersion, parse_level, parse_version

ENFORCE_LABEL = "pod-security.kubernetes.io/enforce"
ENFORCE_VERSION_LABEL = "pod-security.kubernetes.io/enforce-version"


@dataclass(frozen=True, slots=True)
class NamespacePolicy:
    """The level and version pods of a namespace are judged at, and where they came from.

    ``labelled`` is false when the namespace has no enforce label (or is not among the inputs):
    the level and version are then the defaults the caller gave. ``notes`` say so, and say how a
    bad label was read.
    """

    namespace: str
    level: Level
    version: PssVersion
    labelled: bool
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """``{"namespace", "level", "version", "labelled", "notes"}``."""
        return {
            "namespace": self.namespace,
            "level": self.level.value,
            "version": str(self.version),
            "labelled": self.labelled,
            "notes": list(self.notes),
        }


def enforce_policy(
    namespace: str,
    labels: Mapping[str, str] | None,
    default_level: Level,
    default_version: PssVersion,
) -> NamespacePolicy:
    """The enforce policy of ``namespace`` from its labels (``None``: the namespace is unknown)."""
    if labels is None:
        return NamespacePolicy(
            namespace,
            default_level,
            default_version,
            False,
            (
                f"namespace {namespace!r} is not among the inputs: evaluated at "
                f"{default_level.value}:{default_version}",
            ),
        )
    raw_level = labels.get(ENFORCE_LABEL)
    if raw_level is None:
        return NamespacePolicy(
            namespace,
            default_level,
            default_version,
            False,
            (
                f"namespace {namespace!r} has no {ENFORCE_LABEL} label: evaluated at "
                f"{default_level.value}:{default_version}",
            ),
        )
    notes: list[str] = []
    try:
        level = parse_level(raw_level)
    except ValueError:
        level = Level.RESTRICTED
        notes.append(
            f"{ENFORCE_LABEL}={raw_level!r} is not a level: PSA enforces restricted (fails closed)"
        )
    raw_version = labels.get(ENFORCE_VERSION_LABEL)
    version = LATEST
    if raw_version is not None:
        try:
            version = parse_version(raw_version)
        except ValueError:
            notes.append(
                f"{ENFORCE_VERSION_LABEL}={raw_version!r} is not a version: PSA uses latest"
            )
    return NamespacePolicy(namespace, level, version, True, tuple(notes))
