"""Workload rules: privileges, host namespaces and mounts, hardening of pods and containers.

Spec: the Pod Security Standards (https://kubernetes.io/docs/concepts/security/pod-security-standards/)
for the fields and allowed values; container-level securityContext overrides pod-level for
runAsNonRoot, runAsUser and seccompProfile. Windows pods are exempt from Linux-only checks,
as Pod Security Admission exempts them.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from stockade.inventory.podspec import CONTAINER_LIST_LABELS, Container, PodTemplate
from stockade.model import Category, FieldPath, Severity, Violation
from stockade.pss import LATEST, Offender, PodChecks
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


def pss_offenders(pod: PodTemplate, check_id: str) -> list[tuple[FieldPath, Offender]]:
    """The offending fields of one Pod Security Standards check (newest version), as absolute
    paths in the resource: scan rules that overlap a PSS check reuse the PSS engine."""
    results = pod.memo("pss-latest", lambda: PodChecks(pod.meta, pod.spec, LATEST))
    result = results[check_id]
    out: list[tuple[FieldPath, Offender]] = []
    for o in result.offenders:
        head, *rest = o.path
        base = pod.spec_path if head == "spec" else pod.meta_path
        out.append(((*base, *rest), o))
    return out


def who(o: Offender) -> str:
    """``container "web"`` / ``init container "setup"`` / ``pod`` for an offender."""
    if o.container is None:
        return "pod"
    if len(o.path) > 1 and o.path[0] == "spec" and isinstance(o.path[1], str):
        return f'{CONTAINER_LIST_LABELS.get(o.path[1], "container")} "{o.container}"'
    return f'container "{o.container}"'


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
    for path, o in pss_offenders(pod, "privileged"):
        yield Violation(f"{who(o)} is privileged", path)


def _host_namespace(pod: PodTemplate, field: str, what: str) -> Iterator[Violation]:
    for path, _ in pss_offenders(pod, "hostNamespaces"):
        if path[-1] == field:
            yield Violation(f"pod shares the host's {what} ({field}: true)", path)


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
    for path, _ in pss_offenders(pod, "hostPathVolumes"):
        index = path[len(pod.spec_path) + 1]
        vol = pod.spec["volumes"][index]
        host_path = vol["hostPath"].get("path", "?") if isinstance(vol["hostPath"], dict) else "?"
        yield Violation(f'volume "{vol.get("name", index)}" mounts host path {host_path!r}', path)


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
    for path, o in pss_offenders(pod, "hostPorts"):
        yield Violation(f"{who(o)} binds host port {o.detail.removeprefix('hostPort ')}", path)


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
    for path, o in pss_offenders(pod, "allowPrivilegeEscalation"):
        yield Violation(f"{who(o)} must set securityContext.allowPrivilegeEscalation=false", path)


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
    pod_uid = pod.security_context.get("runAsUser")
    by_name = {c.name: c for c in pod.containers()}
    for path, o in pss_offenders(pod, "runAsUser"):
        yield Violation(f"{who(o)} sets runAsUser=0 (root)", path)
    for path, o in pss_offenders(pod, "runAsNonRoot"):
        if o.detail == "false":
            yield Violation(f"{who(o)} sets runAsNonRoot=false", path)
            continue
        if o.container is None:
            continue  # the pod-level half of "pod or container must set"; named per container
        c = by_name.get(o.container)
        uid = c.security_context.get("runAsUser", pod_uid) if c else pod_uid
        if isinstance(uid, int) and not isinstance(uid, bool) and uid > 0:
            msg = (
                f"{who(o)} does not set runAsNonRoot=true (runAsUser {uid} is non-root, "
                "but nothing stops a later change or image from running as root)"
            )
        else:
            msg = f"{who(o)} does not set runAsNonRoot=true and may run as root"
        yield Violation(msg, path)


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
    for path, o in pss_offenders(pod, "capabilities_restricted"):
        if o.detail == "drop ALL missing":
            yield Violation(f'{who(o)} must set securityContext.capabilities.drop=["ALL"]', path)


@rule(
    id="non-default-capabilities",
    title="Container adds a capability outside the runtime's default set",
    severity=Severity.MEDIUM,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove the capability from securityContext.capabilities.add. The baseline Pod
    Security Standard allows adding only the runtime's defaults (AUDIT_WRITE, CHOWN,
    DAC_OVERRIDE, FOWNER, FSETID, KILL, MKNOD, NET_BIND_SERVICE, SETFCAP, SETGID, SETPCAP,
    SETUID, SYS_CHROOT), spelt exactly so: "CAP_CHOWN" or "chown" are refused too.""",
    frameworks={
        "cis": ["5.2.9"],
        "nsa": ["NSA-POD-ENFORCE"],
        "owasp": ["K01:2025"],
        "owasp_2022": ["K01:2022"],
        "mitre": [],
    },
)
def non_default_capabilities(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """capabilities.add names a capability outside the runtime's default set (PSS baseline)."""
    for path, o in pss_offenders(pod, "capabilities_baseline"):
        yield Violation(
            f"{who(o)} adds capability {o.detail!r}, which is not in the runtime's default set",
            path,
            key=f"{o.container}:{o.detail}",
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
    unset = [
        (path, o)
        for path, o in pss_offenders(pod, "seccompProfile_restricted")
        if o.detail == "unset"
    ]
    per_container = [(path, o) for path, o in unset if o.container is not None]
    if not per_container:
        return
    if len(per_container) == len(pod.containers()):
        yield Violation(
            "neither the pod nor any container sets securityContext.seccompProfile "
            "(containers run Unconfined)",
            (*pod.spec_path, "securityContext", "seccompProfile"),
        )
        return
    for path, o in per_container:
        yield Violation(f"{who(o)} has no seccomp profile (the pod sets none either)", path)


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
    for path, o in pss_offenders(pod, "seccompProfile_baseline"):
        yield Violation(f"{who(o)} sets seccompProfile.type to {o.detail!r}", path)


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
    for path, o in pss_offenders(pod, "appArmorProfile"):
        if path[len(pod.meta_path) :][:1] == ("annotations",):
            yield Violation(f"annotation {path[-1]} sets AppArmor profile {o.detail!r}", path)
        else:
            yield Violation(f"{who(o)} sets appArmorProfile.type to {o.detail!r}", path)


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
    for path, o in pss_offenders(pod, "sysctls"):
        yield Violation(
            f"pod sets sysctl {o.detail!r}, which is not in the safe set",
            path,
            key=f"sysctl:{o.detail}",
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
    # NOTE: procMount_restricted, not the baseline check: baseline lets user-namespaced pods
    # (hostUsers: false) unmask /proc, restricted never does; the finding says which applies.
    userns = pod.spec.get("hostUsers") is False
    for path, o in pss_offenders(pod, "procMount_restricted"):
        note = " (baseline allows it in a user namespace; restricted does not)" if userns else ""
        yield Violation(f"{who(o)} sets procMount={o.detail}{note}", path)


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


@rule(
    id="selinux-custom-options",
    title="Pod sets a custom SELinux type, user or role",
    severity=Severity.HIGH,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove seLinuxOptions, or keep only an allowed type (container_t,
    container_init_t, container_kvm_t, container_engine_t) and a level. A custom type, user or
    role can lift the SELinux confinement that keeps a container away from the host.""",
)
def selinux_custom_options(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """seLinuxOptions with a type outside the allowed set, or any user or role."""
    for path, o in pss_offenders(pod, "seLinuxOptions"):
        yield Violation(f"{who(o)} sets SELinux {o.detail}", path)


@rule(
    id="windows-host-process",
    title="Windows HostProcess container",
    severity=Severity.CRITICAL,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove securityContext.windowsOptions.hostProcess. A HostProcess container runs
    directly on the Windows node with the node's privileges: it is the Windows equivalent of a
    privileged container.""",
)
def windows_host_process(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """windowsOptions.hostProcess: true on the pod or a container."""
    for path, o in pss_offenders(pod, "windowsHostProcess"):
        yield Violation(f"{who(o)} runs as a Windows HostProcess container", path)


@rule(
    id="probe-or-lifecycle-host",
    title="Probe or lifecycle handler targets another host",
    severity=Severity.MEDIUM,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="baseline",
    remediation="""Remove the host field from httpGet/tcpSocket probes and lifecycle handlers. The
    kubelet makes these requests from the node, so a host field turns the probe into a way to
    reach addresses the pod itself cannot (node-local services, cloud metadata).""",
)
def probe_or_lifecycle_host(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """httpGet.host or tcpSocket.host set in a probe or lifecycle handler."""
    for path, o in pss_offenders(pod, "hostProbesAndHostLifecycle"):
        yield Violation(f"{who(o)} probes or hooks {o.detail}", path)


@rule(
    id="restricted-volume-type",
    title="Volume type outside the restricted set",
    severity=Severity.MEDIUM,
    category=Category.WORKLOAD,
    target=Target.POD,
    pss="restricted",
    remediation="""Use configMap, secret, projected, downwardAPI, emptyDir, ephemeral, image, csi or a
    persistentVolumeClaim. In-tree network and cloud volume types (nfs, iscsi, rbd, gitRepo, …)
    mount storage with the node's credentials and bypass the PersistentVolume access model.""",
)
def restricted_volume_type(pod: PodTemplate, ctx: RuleContext) -> Iterator[Violation]:
    """A volume whose source is outside the restricted set (hostPath has its own rule)."""
    for path, o in pss_offenders(pod, "restrictedVolumes"):
        if o.detail == "hostPath":
            continue
        index = path[len(pod.spec_path) + 1]
        name = pod.spec["volumes"][index].get("name", index)
        yield Violation(f'volume "{name}" uses the {o.detail} volume type', path)
