"""The documented exit codes, in one place."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """0: nothing at or above the threshold; 1: findings at or above it; 2: usage or input errors."""

    OK = 0
    FINDINGS = 1
    ERRORS = 2
