"""Workload rules: privileges, host namespaces and mounts, hardening of pods and containers.

Spec: the Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/)
for the fields and allowed values; container-level securityContext overrides pod-level for
runAsNonRoot, runAsUser and seccompProfile. Windows pods are exempt from Linux-only checks,
as Pod Security Admission exempts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stockade.inventory.podspec import Container, PodTemplate
from stockade.model import Category, Severity, Violation
from stockade.rules.registry import RuleContext, Target, rule

DANGEROUS_CAPABILITIES = frozenset(
    {
        "SYS_ADMIN",
        "NET_ADMIN",
        "NET_RAW",
        "SYS_PTRACE",
        "SYS_MODULE",
        "DAC_READ_SEARCH",
        "BPF",
        "PERFMON",
        "SYS_RAWIO",
        "ALL",
    }
)

RUNTIME_SOCKETS = (
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/containerd/containerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
    "/var/run/cri-dockerd.sock",
)


def is_windows(pod: PodTemplate) -> bool:
    """Whether the pod declares ``spec.os.name: windows``."""
    os_spec = pod.spec.get("os")
    return isinstance(os_spec, dict) and os_spec.get("name") == "windows"


def _sc_path(c: Container, *fields: str | int) -> tuple[str | int, ...]:
    return (*c.path, "securityContext", *fields)


@rule(
    id="privileged-container",
    title="Container runs privileged",
    severity=Severity.CRITICAL,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove securityContext.privileged or set it to false. A privileged container has
    every capability and access to all host devices: it is root on the node. Grant the few
    capabilities the process really needs instead.""",
)
def privileged_container(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """A container sets securityContext.privileged: true."""
    for c in pod.containers():
        if c.security_context.get("privileged") is True:
            yield Violation(f"{c.describe()} is privileged", _sc_path(c, "privileged"))


def _host_namespace(pod: PodTemplate, field: str, what: str) -> Iterator[Violation]:
    if pod.spec.get(field) is True:
        yield Violation(f"pod shares the host's {what} ({field}: true)", (*pod.spec_path, field))


@rule(
    id="host-network",
    title="Pod uses the host network",
    severity=Severity.HIGH,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove hostNetwork or set it to false. A pod on the host network sees every
    interface of the node, can reach services bound to localhost (the kubelet, cloud metadata)
    and escapes NetworkPolicies.""",
)
def host_network(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """The pod sets hostNetwork: true."""
    yield from _host_namespace(pod, "hostNetwork", "network namespace")


@rule(
    id="host-pid",
    title="Pod shares the host's process namespace",
    severity=Severity.HIGH,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove hostPID or set it to false. With the host PID namespace a container sees
    and can signal or ptrace every process on the node, and read their environment and files
    through /proc.""",
)
def host_pid(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """The pod sets hostPID: true."""
    yield from _host_namespace(pod, "hostPID", "process namespace")


@rule(
    id="host-ipc",
    title="Pod shares the host's IPC namespace",
    severity=Severity.HIGH,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove hostIPC or set it to false. The host IPC namespace exposes the shared
    memory and message queues of every process on the node.""",
)
def host_ipc(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """The pod sets hostIPC: true."""
    yield from _host_namespace(pod, "hostIPC", "IPC namespace")


@rule(
    id="host-path-volume",
    title="Pod mounts a hostPath volume",
    severity=Severity.HIGH,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Replace the hostPath volume with an emptyDir, a ConfigMap/Secret, a projected
    volume or a PersistentVolumeClaim. A hostPath mount gives the container the node's files;
    a writable one is a direct path to node compromise.""",
)
def host_path_volume(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """A volume uses hostPath."""
    for i, vol in pod.volumes():
        hp = vol.get("hostPath")
        if isinstance(hp, dict):
            path = hp.get("path", "?")
            yield Violation(
                f'volume "{vol.get("name", i)}" mounts host path {path!r}',
                (*pod.spec_path, "volumes", i, "hostPath"),
            )


@rule(
    id="container-runtime-socket-mount",
    title="Pod mounts the container runtime socket",
    severity=Severity.CRITICAL,
    category=Category.WORKLOAD,
    target=Target.POD,
    remediation="""Do not mount docker.sock, containerd.sock or crio.sock into a pod. The runtime
    socket lets the container start privileged containers on the node: it is root on the node.
    Build images with a daemonless builder instead.""",
    frameworks={
        "cis": ["5.2.11"],
        "nsa": ["NSA-POD-ENFORCE"],
        "owasp": ["K01:2025"],
        "owasp_2022": ["K01:2022"],
        "mitre": ["T1611", "T1610"],
    },
)
def runtime_socket_mount(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """A hostPath volume points at a container runtime socket or its directory."""
    for i, vol in pod.volumes():
        hp = vol.get("hostPath")
        if not isinstance(hp, dict) or not isinstance(hp.get("path"), str):
            continue
        path = hp["path"].rstrip("/") or "/"
        if any(
            sock == path or sock.startswith(path + "/") or path == "/" for sock in RUNTIME_SOCKETS
        ):
            yield Violation(
                f'volume "{vol.get("name", i)}" exposes the container runtime socket ({path})',
                (*pod.spec_path, "volumes", i, "hostPath", "path"),
            )


@rule(
    id="host-port",
    title="Container binds a host port",
    severity=Severity.MEDIUM,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove hostPort and expose the container through a Service. A host port opens
    the node itself to the network, bypasses NetworkPolicies and limits scheduling to one pod
    per node.""",
)
def host_port(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """A container port sets a non-zero hostPort."""
    for c in pod.containers():
        for i, port in enumerate(c.list_field("ports")):
            if isinstance(port, dict) and port.get("hostPort") not in (None, 0):
                yield Violation(
                    f"{c.describe()} binds host port {port.get('hostPort')}",
                    (*c.path, "ports", i, "hostPort"),
                )


@rule(
    id="privilege-escalation-allowed",
    title="Container allows privilege escalation",
    severity=Severity.MEDIUM,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="restricted",
    remediation="""Set securityContext.allowPrivilegeEscalation: false on every container. Unless it
    is false, setuid binaries and file capabilities let a process gain more privileges than its
    parent (no_new_privs is not set).""",
)
def privilege_escalation(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """allowPrivilegeEscalation is not explicitly false."""
    if is_windows(pod):
        return
    for c in pod.containers():
        if c.security_context.get("allowPrivilegeEscalation") is not False:
            yield Violation(
                f"{c.describe()} must set securityContext.allowPrivilegeEscalation=false",
                _sc_path(c, "allowPrivilegeEscalation"),
            )


@rule(
    id="run-as-root",
    title="Container may run as root",
    severity=Severity.MEDIUM,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="restricted",
    remediation="""Set securityContext.runAsNonRoot: true (on the pod, or on every container) and a
    non-zero runAsUser, and build the image with a non-root USER. With runAsNonRoot the kubelet
    refuses to start a container whose user is root.""",
)
def run_as_root(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """The effective runAsNonRoot is not true, or the effective runAsUser is 0."""
    pod_sc = pod.security_context
    pod_nonroot = pod_sc.get("runAsNonRoot")
    pod_uid = pod_sc.get("runAsUser")
    if pod_uid == 0:
        yield Violation(
            "pod sets runAsUser=0 (root)", (*pod.spec_path, "securityContext", "runAsUser")
        )
    for c in pod.containers():
        sc = c.security_context
        uid = sc.get("runAsUser", pod_uid)
        if sc.get("runAsUser") == 0:
            yield Violation(f"{c.describe()} sets runAsUser=0 (root)", _sc_path(c, "runAsUser"))
            continue
        nonroot = sc.get("runAsNonRoot", pod_nonroot)
        if nonroot is True or uid == 0:
            continue
        where = (
            _sc_path(c, "runAsNonRoot")
            if "runAsNonRoot" in sc or pod_nonroot is None
            else (
                *pod.spec_path,
                "securityContext",
                "runAsNonRoot",
            )
        )
        if nonroot is False:
            msg = f"{c.describe()} runs with runAsNonRoot=false"
        elif isinstance(uid, int) and uid > 0:
            msg = (
                f"{c.describe()} does not set runAsNonRoot=true (runAsUser {uid} is non-root, "
                "but nothing stops a later change or image from running as root)"
            )
        else:
            msg = f"{c.describe()} does not set runAsNonRoot=true and may run as root"
        yield Violation(msg, where)


@rule(
    id="writable-root-filesystem",
    title="Container root filesystem is writable",
    severity=Severity.LOW,
    category=Category.WORKLOAD,
    target=Target.POD,
    remediation="""Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where the
    application must write (/tmp, caches). An immutable root filesystem stops an attacker from
    dropping tools or changing binaries.""",
)
def writable_root_filesystem(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """readOnlyRootFilesystem is not true."""
    if is_windows(pod):
        return
    for c in pod.containers():
        if c.kind == "ephemeralContainer":
            continue
        if c.security_context.get("readOnlyRootFilesystem") is not True:
            yield Violation(
                f"{c.describe()} does not set readOnlyRootFilesystem=true",
                _sc_path(c, "readOnlyRootFilesystem"),
            )


def _cap_list(c: Container, which: str) -> list[Any]:
    caps = c.security_context.get("capabilities")
    if not isinstance(caps, dict):
        return []
    value = caps.get(which)
    return value if isinstance(value, list) else []


@rule(
    id="capabilities-not-dropped",
    title="Container does not drop all capabilities",
    severity=Severity.MEDIUM,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="restricted",
    remediation="""Set securityContext.capabilities.drop: ["ALL"] and add back only what the process
    needs (usually nothing, sometimes NET_BIND_SERVICE). The runtime's default set includes
    CHOWN, DAC_OVERRIDE, FOWNER, SETUID, SETGID and NET_RAW.""",
)
def capabilities_not_dropped(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """capabilities.drop does not contain ALL (exact string, as PSA matches it)."""
    if is_windows(pod):
        return
    for c in pod.containers():
        if "ALL" not in _cap_list(c, "drop"):
            yield Violation(
                f'{c.describe()} must set securityContext.capabilities.drop=["ALL"]',
                _sc_path(c, "capabilities", "drop"),
            )


def normalise_capability(cap: Any) -> str:
    """``cap_sys_admin`` -> ``SYS_ADMIN``: runtimes accept either spelling."""
    name = str(cap).upper()
    return name[4:] if name.startswith("CAP_") else name


@rule(
    id="dangerous-capabilities",
    title="Container adds a dangerous capability",
    severity=Severity.HIGH,
    category=Category.WORKLOAD,
    target=Target.POD,
    remediation="""Remove the capability from securityContext.capabilities.add. SYS_ADMIN,
    SYS_MODULE, SYS_PTRACE, BPF and friends allow container escape or reading other
    processes' memory; NET_ADMIN and NET_RAW allow traffic interception and spoofing.""",
)
def dangerous_capabilities(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """capabilities.add holds a capability that allows escape, snooping or spoofing."""
    for c in pod.containers():
        for i, cap in enumerate(_cap_list(c, "add")):
            if normalise_capability(cap) in DANGEROUS_CAPABILITIES:
                yield Violation(
                    f"{c.describe()} adds capability {normalise_capability(cap)}",
                    _sc_path(c, "capabilities", "add", i),
                    key=f"{c.name}:{normalise_capability(cap)}",
                )


def _seccomp_type(sc: dict[str, Any]) -> str | None:
    profile = sc.get("seccompProfile")
    if isinstance(profile, dict) and isinstance(profile.get("type"), str):
        return str(profile["type"])
    return None


@rule(
    id="seccomp-not-set",
    title="No seccomp profile in effect",
    severity=Severity.MEDIUM,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="restricted",
    remediation="""Set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost
    with a reviewed profile). Without it containers run Unconfined: every syscall, including
    the ones used in kernel exploits, is allowed.""",
)
def seccomp_not_set(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """Neither the pod nor the container sets a seccomp profile type."""
    if is_windows(pod):
        return
    pod_type = _seccomp_type(pod.security_context)
    if pod_type is not None:
        return
    missing = [c for c in pod.containers() if _seccomp_type(c.security_context) is None]
    if not missing:
        return
    if len(missing) == len(pod.containers()):
        yield Violation(
            "neither the pod nor any container sets securityContext.seccompProfile "
            "(containers run Unconfined)",
            (*pod.spec_path, "securityContext", "seccompProfile"),
        )
        return
    for c in missing:
        yield Violation(
            f"{c.describe()} has no seccomp profile (the pod sets none either)",
            _sc_path(c, "seccompProfile"),
        )


@rule(
    id="seccomp-unconfined",
    title="Seccomp explicitly set to Unconfined",
    severity=Severity.HIGH,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Replace seccompProfile.type Unconfined with RuntimeDefault (or Localhost with a
    reviewed profile), and remove the deprecated seccomp.security.alpha.kubernetes.io
    annotations that say unconfined.""",
)
def seccomp_unconfined(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """seccompProfile.type is Unconfined on the pod or a container."""
    if _seccomp_type(pod.security_context) == "Unconfined":
        yield Violation(
            "pod sets seccompProfile.type to Unconfined",
            (*pod.spec_path, "securityContext", "seccompProfile", "type"),
        )
    for c in pod.containers():
        if _seccomp_type(c.security_context) == "Unconfined":
            yield Violation(
                f"{c.describe()} sets seccompProfile.type to Unconfined",
                _sc_path(c, "seccompProfile", "type"),
            )
    for key, value in pod.annotations.items():
        if (
            key.startswith("seccomp.security.alpha.kubernetes.io/")
            or key.startswith("container.seccomp.security.alpha.kubernetes.io/")
        ) and value == "unconfined":
            yield Violation(f"annotation {key} is unconfined", (*pod.meta_path, "annotations", key))


def _apparmor_type(sc: dict[str, Any]) -> str | None:
    profile = sc.get("appArmorProfile")
    if isinstance(profile, dict) and isinstance(profile.get("type"), str):
        return str(profile["type"])
    return None


@rule(
    id="apparmor-unconfined",
    title="AppArmor explicitly set to Unconfined",
    severity=Severity.HIGH,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove the Unconfined AppArmor profile: use appArmorProfile.type RuntimeDefault
    (or Localhost with a reviewed profile) and drop container.apparmor.security.beta.kubernetes.io
    annotations that say unconfined.""",
)
def apparmor_unconfined(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """appArmorProfile.type or the AppArmor annotation is unconfined."""
    if _apparmor_type(pod.security_context) == "Unconfined":
        yield Violation(
            "pod sets appArmorProfile.type to Unconfined",
            (*pod.spec_path, "securityContext", "appArmorProfile", "type"),
        )
    for c in pod.containers():
        if _apparmor_type(c.security_context) == "Unconfined":
            yield Violation(
                f"{c.describe()} sets appArmorProfile.type to Unconfined",
                _sc_path(c, "appArmorProfile", "type"),
            )
    for key, value in pod.annotations.items():
        if (
            key.startswith("container.apparmor.security.beta.kubernetes.io/")
            and value == "unconfined"
        ):
            yield Violation(f"annotation {key} is unconfined", (*pod.meta_path, "annotations", key))


SAFE_SYSCTLS = frozenset(
    {
        "kernel.shm_rmid_forced",
        "net.ipv4.ip_local_port_range",
        "net.ipv4.ip_unprivileged_port_start",
        "net.ipv4.tcp_syncookies",
        "net.ipv4.ping_group_range",
        "net.ipv4.ip_local_reserved_ports",
        "net.ipv4.tcp_keepalive_time",
        "net.ipv4.tcp_fin_timeout",
        "net.ipv4.tcp_keepalive_intvl",
        "net.ipv4.tcp_keepalive_probes",
        "net.ipv4.tcp_rmem",
        "net.ipv4.tcp_wmem",
    }
)


@rule(
    id="unsafe-sysctls",
    title="Pod sets an unsafe sysctl",
    severity=Severity.HIGH,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove the sysctl from securityContext.sysctls, or set it on the node instead.
    Only the namespaced sysctls in the Pod Security Standards' safe set are isolated from other
    pods on the node.""",
)
def unsafe_sysctls(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """A sysctl outside the Pod Security Standards safe set."""
    sysctls = pod.security_context.get("sysctls")
    if not isinstance(sysctls, list):
        return
    for i, s in enumerate(sysctls):
        name = s.get("name") if isinstance(s, dict) else None
        if name not in SAFE_SYSCTLS:
            yield Violation(
                f"pod sets sysctl {name!r}, which is not in the safe set",
                (*pod.spec_path, "securityContext", "sysctls", i, "name"),
                key=f"sysctl:{name}",
            )


@rule(
    id="proc-mount-unmasked",
    title="Container uses an unmasked /proc",
    severity=Severity.HIGH,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove securityContext.procMount or set it to Default. An Unmasked /proc exposes
    kernel interfaces that the runtime normally hides from containers.""",
)
def proc_mount_unmasked(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """procMount is Unmasked."""
    for c in pod.containers():
        if c.security_context.get("procMount") == "Unmasked":
            yield Violation(f"{c.describe()} sets procMount=Unmasked", _sc_path(c, "procMount"))


def _missing_resources(c: Container, kind: str) -> list[str]:
    res = c.resources
    limits = res.get("limits") if isinstance(res.get("limits"), dict) else {}
    requests = res.get("requests") if isinstance(res.get("requests"), dict) else {}
    assert isinstance(limits, dict) and isinstance(requests, dict)
    missing = []
    for name in ("cpu", "memory"):
        if kind == "limits" and name not in limits:
            missing.append(name)
        # NOTE: the API server defaults a missing request to the limit.
        if kind == "requests" and name not in requests and name not in limits:
            missing.append(name)
    return missing


@rule(
    id="missing-resource-limits",
    title="Container has no CPU or memory limit",
    severity=Severity.LOW,
    category=Category.WORKLOAD,
    target=Target.POD,
    remediation="""Set resources.limits.memory (and cpu where the workload allows) on every container.
    Without limits one compromised or runaway container can starve the node (denial of service,
    resource hijacking for mining).""",
)
def missing_resource_limits(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """resources.limits lacks cpu or memory."""
    for c in pod.containers():
        if c.kind == "ephemeralContainer":
            continue  # the API forbids resources on ephemeral containers
        missing = _missing_resources(c, "limits")
        if missing:
            yield Violation(
                f"{c.describe()} has no {' or '.join(missing)} limit",
                (*c.path, "resources", "limits"),
            )


@rule(
    id="missing-resource-requests",
    title="Container has no CPU or memory request",
    severity=Severity.LOW,
    category=Category.WORKLOAD,
    target=Target.POD,
    remediation="""Set resources.requests.cpu and resources.requests.memory on every container so the
    scheduler reserves capacity and the pod is not the first evicted under pressure.""",
)
def missing_resource_requests(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """resources.requests lacks cpu or memory (a limit counts, as the API defaults it)."""
    for c in pod.containers():
        if c.kind == "ephemeralContainer":
            continue
        missing = _missing_resources(c, "requests")
        if missing:
            yield Violation(
                f"{c.describe()} has no {' or '.join(missing)} request",
                (*c.path, "resources", "requests"),
            )


@rule(
    id="service-account-token-automount",
    title="Service account token is mounted automatically",
    severity=Severity.MEDIUM,
    category=Category.WORKLOAD,
    target=Target.POD,
    remediation="""Set automountServiceAccountToken: false on the pod (or on its ServiceAccount) when
    the application does not call the Kubernetes API. A mounted token is the first thing an
    attacker uses after getting code execution in a pod.""",
)
def service_account_token_automount(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """The token is automounted: not disabled on the pod nor on its ServiceAccount."""
    pod_setting = pod.spec.get("automountServiceAccountToken")
    if pod_setting is False:
        return
    path = (*pod.spec_path, "automountServiceAccountToken")
    if pod_setting is True:
        yield Violation("pod sets automountServiceAccountToken: true", path)
        return
    sa_name = pod.service_account
    sa = ctx.inventory.get("ServiceAccount", pod.namespace, sa_name)
    if sa is not None and sa.obj.get("automountServiceAccountToken") is False:
        return
    if sa is None:
        why = f'service account "{sa_name}" is not in the scanned manifests'
    else:
        why = f'service account "{sa_name}" does not disable it'
    yield Violation(f"the service account token is mounted automatically ({why})", path)


@rule(
    id="default-service-account",
    title="Pod runs as the default service account",
    severity=Severity.LOW,
    category=Category.WORKLOAD,
    target=Target.POD,
    remediation="""Create a dedicated ServiceAccount for the workload and set serviceAccountName.
    Every pod in the namespace shares the default account, so permissions granted to it for one
    workload leak to all.""",
)
def default_service_account(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """serviceAccountName is unset or ``default``."""
    if pod.service_account == "default":
        yield Violation(
            'pod runs as the namespace\'s "default" service account',
            (*pod.spec_path, "serviceAccountName"),
        )
