"""Exact Pod Security Standards, evaluated as Pod Security Admission does, per level and version.

Example::

    from stockade.pss import Level, evaluate_pod, parse_version
    result = evaluate_pod(pod["metadata"], pod["spec"], Level.RESTRICTED, parse_version("v1.30"))
    print(result.allowed, [v.message for v in result.violations])
"""

from stockade.pss.evaluator import (
    CHECK_IDS,
    CHECKS,
    PodChecks,
    evaluate_pod,
    run_check,
    run_checks,
)
from stockade.pss.levels import LATEST, NEWEST_MINOR, Level, PssVersion, parse_level, parse_version
from stockade.pss.result import CheckResult, Offender, PssEvaluation

__all__ = [
    "CHECKS",
    "CHECK_IDS",
    "LATEST",
    "NEWEST_MINOR",
    "CheckResult",
    "Level",
    "Offender",
    "PodChecks",
    "PssEvaluation",
    "PssVersion",
    "evaluate_pod",
    "parse_level",
    "parse_version",
    "run_check",
    "run_checks",
]
