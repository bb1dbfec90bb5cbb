"""Checks on who the process runs as and what it may do: capabilities, escalation, users, volumes.

Allowed values (Pod Security Standards):
- capabilities (baseline): ``add`` only from the runtime's default set (exact strings).
- capabilities (restricted, v1.22+): ``drop`` contains "ALL"; ``add`` only NET_BIND_SERVICE.
- allowPrivilegeEscalation (restricted, v1.8+): explicitly false.
- runAsNonRoot (restricted): true on the pod or on every container, never false.
- runAsUser (restricted, v1.23+): never 0.
- volumes (restricted): configMap, csi, downwardAPI, emptyDir, ephemeral, image,
  persistentVolumeClaim, projected, secret.
Windows pods are exempt from the first two restricted checks and seccomp from v1.25; user-namespaced
pods (hostUsers: false) from runAsNonRoot and runAsUser from v1.35.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stockade.pss.pod import containers, is_windows, mapping, security_context, user_namespaced
from stockade.pss.result import CheckResult, Offender, allowed, join_quote, pluralize

DEFAULT_CAPABILITIES = frozenset(
    {
        "AUDIT_WRITE",
        "CHOWN",
        "DAC_OVERRIDE",
        "FOWNER",
        "FSETID",
        "KILL",
        "MKNOD",
        "NET_BIND_SERVICE",
        "SETFCAP",
        "SETGID",
        "SETPCAP",
        "SETUID",
        "SYS_CHROOT",
    }
)
RESTRICTED_VOLUME_SOURCES = frozenset(
    {
        "configMap",
        "csi",
        "downwardAPI",
        "emptyDir",
        "ephemeral",
        "image",
        "persistentVolumeClaim",
        "projected",
        "secret",
    }
)


def _caps(c: Mapping[str, Any]) -> Mapping[str, Any] | None:
    caps = security_context(c).get("capabilities")
    return caps if isinstance(caps, Mapping) else None


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def capabilities_baseline_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """Containers may add only the runtime's default capabilities."""
    bad: list[str] = []
    caps: set[str] = set()
    offenders: list[Offender] = []
    for path, name, c in containers(spec):
        found = False
        for i, cap in enumerate(_list(mapping(_caps(c)).get("add"))):
            if str(cap) not in DEFAULT_CAPABILITIES:
                found = True
                caps.add(str(cap))
                offenders.append(
                    Offender((*path, "securityContext", "capabilities", "add", i), name, str(cap))
                )
        if found:
            bad.append(name)
    if not bad:
        return allowed("capabilities_baseline")
    return CheckResult(
        "capabilities_baseline",
        False,
        "non-default capabilities",
        f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)} must not include "
        f"{join_quote(sorted(caps))} in securityContext.capabilities.add",
        tuple(offenders),
    )


def capabilities_restricted_1_22(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """Drop ALL; add nothing but NET_BIND_SERVICE."""
    missing: list[str] = []
    adding: list[str] = []
    caps: set[str] = set()
    offenders: list[Offender] = []
    for path, name, c in containers(spec):
        cap = _caps(c)
        if cap is None:
            missing.append(name)
            offenders.append(
                Offender((*path, "securityContext", "capabilities"), name, "drop ALL missing")
            )
            continue
        if "ALL" not in [str(x) for x in _list(cap.get("drop"))]:
            missing.append(name)
            offenders.append(
                Offender(
                    (*path, "securityContext", "capabilities", "drop"), name, "drop ALL missing"
                )
            )
        found = False
        for i, x in enumerate(_list(cap.get("add"))):
            if str(x) != "NET_BIND_SERVICE":
                found = True
                caps.add(str(x))
                offenders.append(
                    Offender((*path, "securityContext", "capabilities", "add", i), name, str(x))
                )
        if found:
            adding.append(name)
    details: list[str] = []
    if missing:
        details.append(
            f"{pluralize('container', 'containers', len(missing))} {join_quote(missing)} "
            'must set securityContext.capabilities.drop=["ALL"]'
        )
    if adding:
        details.append(
            f"{pluralize('container', 'containers', len(adding))} {join_quote(adding)} must not include "
            f"{join_quote(sorted(caps))} in securityContext.capabilities.add"
        )
    if not details:
        return allowed("capabilities_restricted")
    return CheckResult(
        "capabilities_restricted",
        False,
        "unrestricted capabilities",
        "; ".join(details),
        tuple(offenders),
    )


def capabilities_restricted_1_25(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """As v1.22; Windows pods are exempt."""
    if is_windows(spec):
        return allowed("capabilities_restricted")
    return capabilities_restricted_1_22(meta, spec)


def allow_privilege_escalation_1_8(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """Every container must set allowPrivilegeEscalation: false."""
    bad: list[str] = []
    offenders: list[Offender] = []
    for path, name, c in containers(spec):
        if security_context(c).get("allowPrivilegeEscalation") is not False:
            bad.append(name)
            offenders.append(
                Offender((*path, "securityContext", "allowPrivilegeEscalation"), name, "not false")
            )
    if not bad:
        return allowed("allowPrivilegeEscalation")
    return CheckResult(
        "allowPrivilegeEscalation",
        False,
        "allowPrivilegeEscalation != false",
        f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)} "
        "must set securityContext.allowPrivilegeEscalation=false",
        tuple(offenders),
    )


def allow_privilege_escalation_1_25(
    meta: Mapping[str, Any], spec: Mapping[str, Any]
) -> CheckResult:
    """As v1.8; Windows pods are exempt."""
    if is_windows(spec):
        return allowed("allowPrivilegeEscalation")
    return allow_privilege_escalation_1_8(meta, spec)


def run_as_non_root_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """runAsNonRoot true on the pod or every container; false anywhere is denied."""
    setters: list[str] = []
    offenders: list[Offender] = []
    pod_value = security_context(spec).get("runAsNonRoot")
    pod_true = False
    if pod_value is not None:
        if pod_value is not True:
            setters.append("pod")
            offenders.append(Offender(("spec", "securityContext", "runAsNonRoot"), None, "false"))
        else:
            pod_true = True
    explicit: list[str] = []
    implicit: list[str] = []
    implicit_offenders: list[Offender] = []
    for path, name, c in containers(spec):
        value = security_context(c).get("runAsNonRoot")
        if value is not None:
            if value is not True:
                explicit.append(name)
                offenders.append(
                    Offender((*path, "securityContext", "runAsNonRoot"), name, "false")
                )
        elif not pod_true:
            implicit.append(name)
            implicit_offenders.append(
                Offender((*path, "securityContext", "runAsNonRoot"), name, "unset")
            )
    if explicit:
        setters.append(
            f"{pluralize('container', 'containers', len(explicit))} {join_quote(explicit)}"
        )
    if setters:
        return CheckResult(
            "runAsNonRoot",
            False,
            "runAsNonRoot != true",
            f"{' and '.join(setters)} must not set securityContext.runAsNonRoot=false",
            tuple(offenders),
        )
    if implicit:
        return CheckResult(
            "runAsNonRoot",
            False,
            "runAsNonRoot != true",
            f"pod or {pluralize('container', 'containers', len(implicit))} {join_quote(implicit)} "
            "must set securityContext.runAsNonRoot=true",
            (
                Offender(("spec", "securityContext", "runAsNonRoot"), None, "unset"),
                *implicit_offenders,
            ),
        )
    return allowed("runAsNonRoot")


def run_as_non_root_1_35(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """As v1.0; skipped for user-namespaced pods."""
    if user_namespaced(spec):
        return allowed("runAsNonRoot")
    return run_as_non_root_1_0(meta, spec)


def _is_root(uid: Any) -> bool:
    return isinstance(uid, int) and not isinstance(uid, bool) and uid == 0


def run_as_user_1_23(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """Neither the pod nor any container may set runAsUser: 0."""
    setters: list[str] = []
    offenders: list[Offender] = []
    if _is_root(security_context(spec).get("runAsUser")):
        setters.append("pod")
        offenders.append(Offender(("spec", "securityContext", "runAsUser"), None, "0"))
    bad: list[str] = []
    for path, name, c in containers(spec):
        if _is_root(security_context(c).get("runAsUser")):
            bad.append(name)
            offenders.append(Offender((*path, "securityContext", "runAsUser"), name, "0"))
    if bad:
        setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
    if not setters:
        return allowed("runAsUser")
    return CheckResult(
        "runAsUser",
        False,
        "runAsUser=0",
        f"{' and '.join(setters)} must not set runAsUser=0",
        tuple(offenders),
    )


def run_as_user_1_35(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """As v1.23; skipped for user-namespaced pods."""
    if user_namespaced(spec):
        return allowed("runAsUser")
    return run_as_user_1_23(meta, spec)


# The restricted volume sources in the order PSA tests them: a volume that has several (which
# the API rejects anyway) is reported under the first one.
RESTRICTED_VOLUME_TYPES = (
    "hostPath",
    "gcePersistentDisk",
    "awsElasticBlockStore",
    "gitRepo",
    "nfs",
    "iscsi",
    "glusterfs",
    "rbd",
    "flexVolume",
    "cinder",
    "cephfs",
    "flocker",
    "fc",
    "azureFile",
    "vsphereVolume",
    "quobyte",
    "azureDisk",
    "photonPersistentDisk",
    "portworxVolume",
    "scaleIO",
    "storageos",
)
KNOWN_VOLUME_SOURCES = RESTRICTED_VOLUME_SOURCES | frozenset(RESTRICTED_VOLUME_TYPES)


def volume_source(volume: Mapping[str, Any]) -> str:
    """The source type of a volume as PSA classifies it, after API-server defaulting.

    A volume with no known source is an ``emptyDir`` (the API server defaults it so, and drops
    fields it does not know). If any allowed source is present the volume counts as allowed.
    """
    present = {k for k in KNOWN_VOLUME_SOURCES if volume.get(k) is not None}
    if not present:
        return "emptyDir"
    allowed_sources = present & RESTRICTED_VOLUME_SOURCES
    if allowed_sources:
        return min(allowed_sources)
    return next(t for t in RESTRICTED_VOLUME_TYPES if t in present)


def restricted_volumes_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """Only ephemeral, projected and claim-backed volume types."""
    names: list[str] = []
    types: set[str] = set()
    offenders: list[Offender] = []
    volumes = spec.get("volumes")
    for i, v in enumerate(volumes if isinstance(volumes, list) else []):
        vol = mapping(v)
        source = volume_source(vol)
        if source not in RESTRICTED_VOLUME_SOURCES:
            name = str(vol.get("name", ""))
            names.append(name)
            types.add(source)
            offenders.append(Offender(("spec", "volumes", i, source), None, source))
    if not names:
        return allowed("restrictedVolumes")
    return CheckResult(
        "restrictedVolumes",
        False,
        "restricted volume types",
        f"{pluralize('volume', 'volumes', len(names))} {join_quote(names)} "
        f"{pluralize('uses', 'use', len(names))} "
        f"{pluralize('restricted volume type', 'restricted volume types', len(types))} "
        f"{join_quote(sorted(types))}",
        tuple(offenders),
    )
