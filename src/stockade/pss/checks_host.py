"""Baseline checks on host access: privileged, host namespaces, ports, paths, probes, HostProcess.

Restricted fields and allowed values as in the Pod Security Standards, baseline level:
``securityContext.privileged`` (false/unset), ``spec.hostNetwork|hostPID|hostIPC`` (false/unset),
``ports[*].hostPort`` (0/unset), ``spec.volumes[*].hostPath`` (unset), probe and lifecycle
``httpGet.host`` / ``tcpSocket.host`` (empty, from v1.34), ``windowsOptions.hostProcess``
(false/unset).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from stockade.pss.pod import containers, mapping, security_context
from stockade.pss.result import CheckResult, Offender, allowed, join_quote, pluralize


def privileged_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """No container may be privileged."""
    bad: list[str] = []
    offenders: list[Offender] = []
    for path, name, c in containers(spec):
        if security_context(c).get("privileged") is True:
            bad.append(name)
            offenders.append(
                Offender((*path, "securityContext", "privileged"), name, "privileged=true")
            )
    if not bad:
        return allowed("privileged")
    return CheckResult(
        "privileged",
        False,
        "privileged",
        f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)} "
        "must not set securityContext.privileged=true",
        tuple(offenders),
    )


def host_namespaces_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """hostNetwork, hostPID and hostIPC must be unset or false."""
    bad = [f for f in ("hostNetwork", "hostPID", "hostIPC") if spec.get(f) is True]
    if not bad:
        return allowed("hostNamespaces")
    return CheckResult(
        "hostNamespaces",
        False,
        "host namespaces",
        ", ".join(f"{f}=true" for f in bad),
        tuple(Offender(("spec", f), None, f"{f}=true") for f in bad),
    )


def host_ports_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """No container port may set a hostPort other than 0."""
    bad: list[str] = []
    ports: set[str] = set()
    offenders: list[Offender] = []
    for path, name, c in containers(spec):
        found = False
        items = c.get("ports")
        for i, p in enumerate(items if isinstance(items, list) else []):
            host_port = mapping(p).get("hostPort")
            if host_port not in (None, 0):
                found = True
                ports.add(str(host_port))
                offenders.append(
                    Offender((*path, "ports", i, "hostPort"), name, f"hostPort {host_port}")
                )
        if found:
            bad.append(name)
    if not bad:
        return allowed("hostPorts")
    return CheckResult(
        "hostPorts",
        False,
        "hostPort",
        f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)} "
        f"{pluralize('uses', 'use', len(bad))} {pluralize('hostPort', 'hostPorts', len(ports))} "
        f"{', '.join(sorted(ports))}",
        tuple(offenders),
    )


def host_path_volumes_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """No volume may be a hostPath."""
    names: list[str] = []
    offenders: list[Offender] = []
    volumes = spec.get("volumes")
    for i, v in enumerate(volumes if isinstance(volumes, list) else []):
        if mapping(v).get("hostPath") is not None:
            name = str(mapping(v).get("name", ""))
            names.append(name)
            offenders.append(Offender(("spec", "volumes", i, "hostPath"), None, f"volume {name}"))
    if not names:
        return allowed("hostPathVolumes")
    return CheckResult(
        "hostPathVolumes",
        False,
        "hostPath volumes",
        f"{pluralize('volume', 'volumes', len(names))} {join_quote(names)}",
        tuple(offenders),
    )


_PROBES = ("livenessProbe", "readinessProbe", "startupProbe")
_HANDLERS = ("postStart", "preStop")


def host_probes_and_lifecycle_1_34(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """Probes and lifecycle handlers must not name a host."""
    bad: list[str] = []
    hosts: set[str] = set()
    offenders: list[Offender] = []
    for path, name, c in containers(spec):
        found = False
        handlers: list[tuple[tuple[str, ...], Mapping[str, Any]]] = [
            ((probe,), mapping(c[probe])) for probe in _PROBES if c.get(probe) is not None
        ]
        if c.get("lifecycle") is not None:
            lifecycle = mapping(c["lifecycle"])
            handlers += [(("lifecycle", h), mapping(lifecycle.get(h))) for h in _HANDLERS]
        for where, handler in handlers:
            for kind in ("httpGet", "tcpSocket"):
                host = mapping(handler.get(kind)).get("host")
                if host:
                    found = True
                    hosts.add(str(host))
                    offenders.append(Offender((*path, *where, kind, "host"), name, f"host {host}"))
        if found and name not in bad:
            bad.append(name)
    if not bad:
        return allowed("hostProbesAndHostLifecycle")
    bad_sorted = sorted(bad)
    return CheckResult(
        "hostProbesAndHostLifecycle",
        False,
        "probe or lifecycle host",
        f"{pluralize('container', 'containers', len(bad))} {join_quote(bad_sorted)} "
        f"{pluralize('uses', 'use', len(bad))} "
        f"{pluralize('probe or lifecycle host', 'probe or lifecycle hosts', len(hosts))} "
        f"{join_quote(sorted(hosts))}",
        tuple(offenders),
    )


def _host_process(sc: Mapping[str, Any]) -> bool:
    return mapping(sc.get("windowsOptions")).get("hostProcess") is True


def windows_host_process_1_0(meta: Mapping[str, Any], spec: Mapping[str, Any]) -> CheckResult:
    """No pod or container may be a Windows HostProcess, whatever spec.os says."""
    setters: list[str] = []
    offenders: list[Offender] = []
    if _host_process(security_context(spec)):
        setters.append("pod")
        offenders.append(
            Offender(
                ("spec", "securityContext", "windowsOptions", "hostProcess"),
                None,
                "hostProcess=true",
            )
        )
    bad: list[str] = []
    for path, name, c in containers(spec):
        if _host_process(security_context(c)):
            bad.append(name)
            offenders.append(
                Offender(
                    (*path, "securityContext", "windowsOptions", "hostProcess"),
                    name,
                    "hostProcess=true",
                )
            )
    if bad:
        setters.append(f"{pluralize('container', 'containers', len(bad))} {join_quote(bad)}")
    if not setters:
        return allowed("windowsHostProcess")
    return CheckResult(
        "windowsHostProcess",
        False,
        "hostProcess",
        f"{' and '.join(setters)} must not set securityContext.windowsOptions.hostProcess=true",
        tuple(offenders),
    )
