"""Baseline and restricted checks on kernel-level profiles: AppArmor, SELinux, seccomp, /proc, sysctls.

Allowed values (Pod Security Standards):
- AppArmor: ``appArmorProfile.type`` RuntimeDefault, Localhost or unset (every version, pod and
  containers); annotations ``container.apparmor.security.beta.kubernetes.io/*`` empty,
  ``runtime/default`` or ``localhost/*``.
- SELinux: type "", container_t, container_init_t, container_kvm_t (+ container_engine_t from
  v1.31); user and role unset.
- seccomp baseline: v1.0-v1.18 annotations runtime/default, docker/default, localhost/*;
  v1.19+ fields RuntimeDefault, Localhost or unset. Restricted (v1.19+): a valid profile must be in
  effect for every container; Windows pods exempt from v1.25.
- procMount: Default or unset; from v1.35 baseline skips user-namespaced pods, restricted does not.
- sysctls: the safe set of the version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from stockade.pss.pod import (
    containers,
    is_windows,
    mapping,
    pod_annotations,
    security_context,
    user_namespaced,
)
from stockade.pss.result import CheckResult, Offender, allowed, go_quote, join_quote, pluralize

CheckFn = Callable[[Mapping[str, Any], Mapping[str, Any]], CheckResult]

APPARMOR_PREFIX = "container.apparmor.security.beta.kubernetes.io/"
SECCOMP_POD_ANNOTATION = "seccomp.security.alpha.kubernetes.io/pod"
SECCOMP_CONTAINER_PREFIX = "container.seccomp.security.alpha.kubernetes.io/"


def _profile_type(sc: Mapping[str, Any], field: str) -> tuple[bool, str]:
    """(present, type) of ``sc[field]``: a present profile with no type has type ""."""
    if field not in sc or sc.get(field) is None:
        return False, ""
    return True, str(mapping(sc.get(field)).get("type", ""))


def _allowed_apparmor_annotation(value: str) -> bool:
    return value == "" or value == "runtime/default" or value.startswith("localhost/")


def app_armor_profile_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """AppArmor may not be disabled or overridden with an unknown profile (fields and annotations).

    The field rule was added to the v1.0 definition upstream, so it applies at every version.
    """
    setters: list[str] = []
    bad_values: set[str] = set()
    offenders: list[Offender] = []
    present, t = _profile_type(security_context(spec), "appArmorProfile")
    if present and t not in ("RuntimeDefault", "Localhost"):
        setters.append("pod")
        bad_values.add(t)
        offenders.append(Offender(("spec", "securityContext", "appArmorProfile", "type"), None, t))
    bad: list[str] = []
    for path, name, c in containers(spec):
        present, t = _profile_type(security_context(c), "appArmorProfile")
        if present and t not in ("RuntimeDefault", "Localhost"):
            bad.append(name)
            bad_values.add(t)
            offenders.append(
                Offender((*path, "securityContext", "appArmorProfile", "type"), name, t)
            )
    if bad:
        setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
    annotations: list[str] = []
    for key, value in pod_annotations(meta).items():
        k = str(key)
        v = "" if value is None else str(value)
        if k.startswith(APPARMOR_PREFIX) and not _allowed_apparmor_annotation(v):
            annotations.append(f"{k}={go_quote(v)}")
            offenders.append(Offender(("metadata", "annotations", k), k[len(APPARMOR_PREFIX) :], v))
    values = sorted(bad_values)
    if annotations:
        annotations.sort()
        values += annotations
        setters.append(pluralize("annotation", "annotations", len(annotations)))
    if not setters:
        return allowed("appArmorProfile")
    return CheckResult(
        "appArmorProfile",
        False,
        pluralize("forbidden AppArmor profile", "forbidden AppArmor profiles", len(values)),
        f"{' and '.join(setters)} must not set AppArmor profile type to {join_quote(values)}",
        tuple(offenders),
    )


def _selinux(allowed_types: frozenset[str]) -> CheckFn:
    def check(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
        setters: list[str] = []
        bad_types: set[str] = set()
        flags = {"user": False, "role": False}
        offenders: list[Offender] = []

        def invalid(opts: Mapping[str, Any], base: tuple[Any, ...], who: str | None) -> bool:
            valid = True
            t = str(opts.get("type") or "")
            if t not in allowed_types:
                valid = False
                bad_types.add(t)
                offenders.append(Offender((*base, "type"), who, f"type {t}"))
            for key in ("user", "role"):
                if opts.get(key):
                    valid = False
                    flags[key] = True
                    offenders.append(Offender((*base, key), who, f"{key} set"))
            return not valid

        pod_opts = security_context(spec).get("seLinuxOptions")
        if isinstance(pod_opts, Mapping) and invalid(
            pod_opts, ("spec", "securityContext", "seLinuxOptions"), None
        ):
            setters.append("pod")
        bad: list[str] = []
        for path, name, c in containers(spec):
            opts = security_context(c).get("seLinuxOptions")
            if isinstance(opts, Mapping) and invalid(
                opts, (*path, "securityContext", "seLinuxOptions"), name
            ):
                bad.append(name)
        if bad:
            setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
        if not setters:
            return allowed("seLinuxOptions")
        data: list[str] = []
        if bad_types:
            data.append(
                f"{pluralize('type', 'types', len(bad_types))} {join_quote(sorted(bad_types))}"
            )
        if flags["user"]:
            data.append("user may not be set")
        if flags["role"]:
            data.append("role may not be set")
        return CheckResult(
            "seLinuxOptions",
            False,
            "seLinuxOptions",
            f"{' and '.join(setters)} set forbidden securityContext.seLinuxOptions: {'; '.join(data)}",
            tuple(offenders),
        )

    return check


_SELINUX_1_0 = frozenset({"", "container_t", "container_init_t", "container_kvm_t"})
se_linux_options_1_0 = _selinux(_SELINUX_1_0)
se_linux_options_1_31 = _selinux(_SELINUX_1_0 | {"container_engine_t"})


def _valid_seccomp_annotation(value: str) -> bool:
    return value in ("runtime/default", "docker/default") or value.startswith("localhost/")


def seccomp_profile_baseline_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """v1.0-v1.18: the alpha annotations must not say unconfined (or be empty)."""
    ann = pod_annotations(meta)
    forbidden: set[str] = set()
    offenders: list[Offender] = []
    if SECCOMP_POD_ANNOTATION in ann:
        v = str(ann[SECCOMP_POD_ANNOTATION] or "")
        if not _valid_seccomp_annotation(v):
            forbidden.add(f"{SECCOMP_POD_ANNOTATION}={go_quote(v)}")
            offenders.append(Offender(("metadata", "annotations", SECCOMP_POD_ANNOTATION), None, v))
    for _, name, _c in containers(spec):
        key = SECCOMP_CONTAINER_PREFIX + name
        if key in ann:
            v = str(ann[key] or "")
            if not _valid_seccomp_annotation(v):
                forbidden.add(f"{key}={go_quote(v)}")
                offenders.append(Offender(("metadata", "annotations", key), name, v))
    if not forbidden:
        return allowed("seccompProfile_baseline")
    return CheckResult(
        "seccompProfile_baseline",
        False,
        "seccompProfile",
        f"forbidden {pluralize('annotation', 'annotations', len(forbidden))} {', '.join(sorted(forbidden))}",
        tuple(offenders),
    )


def _seccomp_fields(spec: Mapping[str, Any], check_id: str, *, require: bool) -> CheckResult:
    setters: list[str] = []
    bad_values: set[str] = set()
    offenders: list[Offender] = []
    pod_present, pod_type = _profile_type(security_context(spec), "seccompProfile")
    pod_valid = False
    if pod_present:
        if pod_type in ("RuntimeDefault", "Localhost"):
            pod_valid = True
        else:
            setters.append("pod")
            bad_values.add(pod_type)
            offenders.append(
                Offender(("spec", "securityContext", "seccompProfile", "type"), None, pod_type)
            )
    explicit: list[str] = []
    implicit: list[str] = []
    implicit_paths: list[Offender] = []
    for path, name, c in containers(spec):
        present, t = _profile_type(security_context(c), "seccompProfile")
        if present:
            if t not in ("RuntimeDefault", "Localhost"):
                explicit.append(name)
                bad_values.add(t)
                offenders.append(
                    Offender((*path, "securityContext", "seccompProfile", "type"), name, t)
                )
        elif not pod_valid:
            implicit.append(name)
            implicit_paths.append(
                Offender((*path, "securityContext", "seccompProfile"), name, "unset")
            )
    if explicit:
        setters.append(
            f"{pluralize('container', 'containers', len(explicit))} {join_quote(explicit)}"
        )
    if setters:
        return CheckResult(
            check_id,
            False,
            "seccompProfile",
            f"{' and '.join(setters)} must not set securityContext.seccompProfile.type to "
            f"{join_quote(sorted(bad_values))}",
            tuple(offenders),
        )
    if require and implicit:
        return CheckResult(
            check_id,
            False,
            "seccompProfile",
            f"pod or {pluralize('container', 'containers', len(implicit))} {join_quote(implicit)} "
            'must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"',
            (
                Offender(("spec", "securityContext", "seccompProfile"), None, "unset"),
                *implicit_paths,
            ),
        )
    return allowed(check_id)


def seccomp_profile_baseline_1_19(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """v1.19+: a seccomp profile that is set must be RuntimeDefault or Localhost."""
    return _seccomp_fields(spec, "seccompProfile_baseline", require=False)


def seccomp_profile_restricted_1_19(
    meta: Mapping[str, Any], spec: Mapping[str, Any]
) -> CheckResult:
    """Every container must run with RuntimeDefault or Localhost, from the pod or itself."""
    return _seccomp_fields(spec, "seccompProfile_restricted", require=True)


def seccomp_profile_restricted_1_25(
    meta: Mapping[str, Any], spec: Mapping[str, Any]
) -> CheckResult:
    """As v1.19, but Windows pods are exempt (the API rejects seccomp on Windows)."""
    if is_windows(spec):
        return allowed("seccompProfile_restricted")
    return seccomp_profile_restricted_1_19(meta, spec)


def _proc_mount(spec: Mapping[str, Any], check_id: str) -> CheckResult:
    bad: list[str] = []
    types: set[str] = set()
    offenders: list[Offender] = []
    for path, name, c in containers(spec):
        sc = security_context(c)
        if "procMount" not in sc or sc.get("procMount") is None:
            continue
        value = str(sc.get("procMount"))
        if value != "Default":
            bad.append(name)
            types.add(value)
            offenders.append(Offender((*path, "securityContext", "procMount"), name, value))
    if not bad:
        return allowed(check_id)
    return CheckResult(
        check_id,
        False,
        "procMount",
        f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)} must not set "
        f"securityContext.procMount to {join_quote(sorted(types))}",
        tuple(offenders),
    )


def proc_mount_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """procMount must be Default or unset."""
    return _proc_mount(spec, "procMount")


def proc_mount_1_35(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """As v1.0, skipped for user-namespaced pods (hostUsers: false)."""
    if user_namespaced(spec):
        return allowed("procMount")
    return _proc_mount(spec, "procMount")


def proc_mount_restricted_1_35(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """procMount must be Default or unset, user namespace or not."""
    return _proc_mount(spec, "procMount_restricted")


SYSCTLS_1_0 = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_unprivileged_port_start",
    }
)
SYSCTLS_1_27 = SYSCTLS_1_0 | {"net.ipv4.ip_local_reserved_ports"}
SYSCTLS_1_29 = SYSCTLS_1_27 | {
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SYSCTLS_1_32 = SYSCTLS_1_29 | {"net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"}
SYSCTLS_1_37 = SYSCTLS_1_32 | {"net.ipv4.tcp_slow_start_after_idle", "net.ipv4.tcp_notsent_lowat"}


def _sysctls(safe: frozenset[str]) -> CheckFn:
    def check(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
        items = security_context(spec).get("sysctls")
        bad: list[str] = []
        offenders: list[Offender] = []
        for i, s in enumerate(items if isinstance(items, list) else []):
            name = str(mapping(s).get("name", ""))
            if name not in safe:
                bad.append(name)
                offenders.append(
                    Offender(("spec", "securityContext", "sysctls", i, "name"), None, name)
                )
        if not bad:
            return allowed("sysctls")
        return CheckResult("sysctls", False, "forbidden sysctls", ", ".join(bad), tuple(offenders))

    return check


sysctls_1_0 = _sysctls(SYSCTLS_1_0)
sysctls_1_27 = _sysctls(SYSCTLS_1_27)
sysctls_1_29 = _sysctls(SYSCTLS_1_29)
sysctls_1_32 = _sysctls(SYSCTLS_1_32)
sysctls_1_37 = _sysctls(SYSCTLS_1_37)
