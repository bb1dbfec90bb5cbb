"""The check catalogue and the evaluator: levels as sets of versioned checks.

Each check has one function per policy version where its rule changed; old versions are never
edited. Restricted runs the baseline checks, minus those a restricted check overrides at that
version, plus the restricted checks. The table of functions per version is built once.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from stockade.pss import checks_host as host
from stockade.pss import checks_profiles as prof
from stockade.pss import checks_user as user
from stockade.pss.levels import NEWEST_MINOR, Level, PssVersion
from stockade.pss.pod import call_visiting, list_containers, visiting
from stockade.pss.result import CheckResult, PssEvaluation

CheckFn = Callable[[Mapping[str, Any], Mapping[str, Any]], CheckResult]


@dataclass(frozen=True, slots=True)
class Versioned:
    """The definition of a check from policy version ``v1.<since>`` on."""

    since: int
    check: CheckFn
    overrides: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Check:
    """A Pod Security Standards check."""

    id: str
    level: Level
    versions: tuple[Versioned, ...]


B, R = Level.BASELINE, Level.RESTRICTED
CHECKS: tuple[Check, ...] = (
    Check("appArmorProfile", B, (Versioned(0, prof.app_armor_profile_1_0),)),
    Check("capabilities_baseline", B, (Versioned(0, user.capabilities_baseline_1_0),)),
    Check("hostNamespaces", B, (Versioned(0, host.host_namespaces_1_0),)),
    Check("hostPathVolumes", B, (Versioned(0, host.host_path_volumes_1_0),)),
    Check("hostPorts", B, (Versioned(0, host.host_ports_1_0),)),
    Check("hostProbesAndHostLifecycle", B, (Versioned(34, host.host_probes_and_lifecycle_1_34),)),
    Check("privileged", B, (Versioned(0, host.privileged_1_0),)),
    Check("procMount", B, (Versioned(0, prof.proc_mount_1_0), Versioned(35, prof.proc_mount_1_35))),
    Check(
        "seccompProfile_baseline",
        B,
        (
            Versioned(0, prof.seccomp_profile_baseline_1_0),
            Versioned(19, prof.seccomp_profile_baseline_1_19),
        ),
    ),
    Check(
        "seLinuxOptions",
        B,
        (Versioned(0, prof.se_linux_options_1_0), Versioned(31, prof.se_linux_options_1_31)),
    ),
    Check(
        "sysctls",
        B,
        (
            Versioned(0, prof.sysctls_1_0),
            Versioned(27, prof.sysctls_1_27),
            Versioned(29, prof.sysctls_1_29),
            Versioned(32, prof.sysctls_1_32),
            Versioned(37, prof.sysctls_1_37),
        ),
    ),
    Check("windowsHostProcess", B, (Versioned(0, host.windows_host_process_1_0),)),
    Check(
        "allowPrivilegeEscalation",
        R,
        (
            Versioned(8, user.allow_privilege_escalation_1_8),
            Versioned(25, user.allow_privilege_escalation_1_25),
        ),
    ),
    Check(
        "capabilities_restricted",
        R,
        (
            Versioned(22, user.capabilities_restricted_1_22, ("capabilities_baseline",)),
            Versioned(25, user.capabilities_restricted_1_25, ("capabilities_baseline",)),
        ),
    ),
    Check(
        "procMount_restricted", R, (Versioned(35, prof.proc_mount_restricted_1_35, ("procMount",)),)
    ),
    Check(
        "restrictedVolumes", R, (Versioned(0, user.restricted_volumes_1_0, ("hostPathVolumes",)),)
    ),
    Check(
        "runAsNonRoot",
        R,
        (Versioned(0, user.run_as_non_root_1_0), Versioned(35, user.run_as_non_root_1_35)),
    ),
    Check(
        "runAsUser", R, (Versioned(23, user.run_as_user_1_23), Versioned(35, user.run_as_user_1_35))
    ),
    Check(
        "seccompProfile_restricted",
        R,
        (
            Versioned(19, prof.seccomp_profile_restricted_1_19, ("seccompProfile_baseline",)),
            Versioned(25, prof.seccomp_profile_restricted_1_25, ("seccompProfile_baseline",)),
        ),
    ),
)

CHECK_IDS = frozenset(c.id for c in CHECKS)


def validate(checks: tuple[Check, ...]) -> None:
    """Unique ids, strictly increasing versions, overrides only of baseline checks by restricted ones."""
    ids: set[str] = set()
    baseline = {c.id for c in checks if c.level is Level.BASELINE}
    for c in checks:
        if c.id in ids:
            raise ValueError(f"duplicate PSS check {c.id}")
        ids.add(c.id)
        if c.level not in (Level.BASELINE, Level.RESTRICTED) or not c.versions:
            raise ValueError(f"PSS check {c.id}: bad level or no versions")
        last = -1
        for v in c.versions:
            if v.since <= last or v.since > NEWEST_MINOR:
                raise ValueError(
                    f"PSS check {c.id}: versions must increase within v1.0..v1.{NEWEST_MINOR}"
                )
            last = v.since
            if v.overrides and (
                c.level is not Level.RESTRICTED or not set(v.overrides) <= baseline
            ):
                raise ValueError(f"PSS check {c.id}: only restricted checks override baseline ones")


def _at(check: Check, minor: int) -> Versioned | None:
    found = None
    for v in check.versions:
        if v.since <= minor:
            found = v
    return found


@cache
def _table(level: Level, minor: int) -> tuple[tuple[str, CheckFn], ...]:
    """The functions that decide ``level`` at ``v1.<minor>``: baseline ids sorted, then restricted."""
    validate(CHECKS)
    active = {c.id: v for c in CHECKS if (v := _at(c, minor)) is not None}
    base = sorted(c.id for c in CHECKS if c.level is Level.BASELINE and c.id in active)
    if level is Level.BASELINE:
        return tuple((i, active[i].check) for i in base)
    restricted = sorted(c.id for c in CHECKS if c.level is Level.RESTRICTED and c.id in active)
    overridden = {o for i in restricted for o in active[i].overrides}
    return tuple(
        (i, active[i].check) for i in [*(b for b in base if b not in overridden), *restricted]
    )


def evaluate_pod(
    meta: Mapping[str, Any], spec: Mapping[str, Any], level: Level, version: PssVersion
) -> PssEvaluation:
    """Every violated check of a pod (its metadata and spec) at a level and policy version."""
    out = PssEvaluation(level.value, str(version))
    if level is Level.PRIVILEGED:
        return out
    with visiting(spec):
        for _, fn in _table(level, version.effective_minor):
            result = fn(meta, spec)
            if not result.allowed:
                out.violations.append(result)
    return out


@cache
def _checks_at(minor: int) -> tuple[tuple[str, CheckFn | None], ...]:
    out = []
    for c in CHECKS:
        v = _at(c, minor)
        out.append((c.id, v.check if v is not None else None))
    return tuple(out)


def run_checks(
    meta: Mapping[str, Any], spec: Mapping[str, Any], version: PssVersion
) -> dict[str, CheckResult]:
    """Every check (both levels) at a version, by id; the containers are listed once."""
    with visiting(spec):
        return {
            check_id: fn(meta, spec) if fn is not None else CheckResult(check_id, True)
            for check_id, fn in _checks_at(version.effective_minor)
        }


@cache
def _check_fns_at(minor: int) -> dict[str, CheckFn | None]:
    return dict(_checks_at(minor))


class PodChecks:
    """The checks of one pod at one version, by id, each run on first use and kept.

    Gives what `run_checks` gives for every id; a caller that reads a few checks (the admission
    webhook judging with the rules at or above its threshold) pays for those only.
    """

    __slots__ = ("_fns", "_listed", "_meta", "_results", "_spec")

    def __init__(
        self, meta: Mapping[str, Any], spec: Mapping[str, Any], version: PssVersion
    ) -> None:
        self._meta = meta
        self._spec = spec
        self._fns = _check_fns_at(version.effective_minor)
        self._listed = list_containers(spec)
        self._results: dict[str, CheckResult] = {}

    def __getitem__(self, check_id: str) -> CheckResult:
        result = self._results.get(check_id)
        if result is None:
            fn = self._fns[check_id]
            if fn is None:
                result = CheckResult(check_id, True)
            else:
                result = call_visiting(fn, self._meta, self._spec, self._listed)
            self._results[check_id] = result
        return result


def run_check(
    check_id: str, meta: Mapping[str, Any], spec: Mapping[str, Any], version: PssVersion
) -> CheckResult:
    """One check at a version (for scan rules that reuse a single PSS check)."""
    for c in CHECKS:
        if c.id == check_id:
            v = _at(c, version.effective_minor)
            if v is None:
                return CheckResult(check_id, True)
            return v.check(meta, spec)
    raise KeyError(f"no PSS check {check_id!r}")
