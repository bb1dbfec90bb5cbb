"""Kubelet checks: CIS Kubernetes Benchmark v1.12 section 4.2, plus ``kubelet-exposed`` and the
Stockade-only ``kubelet-protect-kernel-defaults`` (it was CIS 4.2.6 up to v1.6; v1.7 dropped it).

Spec: kube-bench ``cfg/cis-1.12/node.yaml`` and the kubelet reference. Every check reads the
effective value (`stockade.controlplane.kubelet`): a field omitted from the config file takes the
config-file default, a flags-only kubelet the flag default, and flags override the file.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from stockade.controlplane.kubelet import FIELDS, Kubelet, Setting, find_kubelets
from stockade.controlplane.kubeproxy import find_kube_proxies
from stockade.controlplane.visibility import KUBELETS_MEMO
from stockade.inventory.index import Inventory
from stockade.model import Category, Severity, Violation
from stockade.rules.registry import RuleContext, Target, rule

KUBELET_STRONG_CIPHERS = frozenset(
    {
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
    }
)
"""CIS 4.2.12 (kube-bench cis-1.12; TLS_RSA_WITH_AES_*_GCM_* were dropped)."""

_FIX = (
    "Set it in the kubelet config file (/var/lib/kubelet/config.yaml) and remove any "
    "overriding flag from the kubelet's systemd drop-in or kubeadm-flags.env, then restart the "
    "kubelet."
)

Judge = Callable[[Kubelet], list[tuple[str, Setting]]]


def _kubelets(ctx: RuleContext, inv: Inventory) -> list[Kubelet]:
    found: list[Kubelet] = ctx.memo(KUBELETS_MEMO, lambda: find_kubelets(inv))
    return found


def _register(
    *,
    id: str,
    title: str,
    severity: Severity,
    cis: list[str],
    remediation: str,
    judge: Judge,
    owasp: tuple[str, ...] = ("K07:2025",),
    nsa: tuple[str, ...] = ("NSA-NET-NODES",),
) -> None:
    def fn(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
        for kubelet in _kubelets(ctx, inv):
            for message, s in judge(kubelet):
                yield Violation(f"kubelet: {message}", s.path, key=id, resource=s.resource)

    fn.__doc__ = title
    rule(
        id=id,
        title=title,
        severity=severity,
        category=Category.CONTROL_PLANE,
        target=Target.INVENTORY,
        remediation=f"{remediation} {_FIX}",
        frameworks={"cis": cis, "nsa": list(nsa), "owasp": list(owasp)},
        needs=("kubelet",),
    )(fn)


def _expect(key: str, ok: Callable[[Any], bool], expected: str) -> Judge:
    """A kubelet setting whose effective value must satisfy ``ok``."""

    def judge(k: Kubelet) -> list[tuple[str, Setting]]:
        s = k.get(key)
        if ok(s.value):
            return []
        return [(f"{_label(key)} is {_show(s.value)} ({s.where()}); expected {expected}", s)]

    return judge


def _label(key: str) -> str:
    """The setting as a user writes it: ``readOnlyPort (--read-only-port)``."""
    spec = FIELDS[key]
    field = ".".join(str(p) for p in spec.path)
    return f"{field} (--{spec.flag})" if field else f"--{spec.flag}"


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}s"
    if isinstance(value, list):
        return ",".join(value) or "empty"
    return "unset" if value is None else str(value)


def _anonymous_off(v: Any) -> bool:
    return v is False


def _not_always_allow(v: Any) -> bool:
    return isinstance(v, str) and v != "AlwaysAllow"


def _exposed(k: Kubelet) -> list[tuple[str, Setting]]:
    anon, mode = k.get("anonymous-auth"), k.get("authorization-mode")
    if anon.value is True and mode.value == "AlwaysAllow":
        port = k.get("read-only-port")
        extra = (
            f"; the read-only port {port.value} is open too" if port.value not in (0, "0") else ""
        )
        return [
            (
                f"anonymous requests are accepted ({anon.where()}) and authorized "
                f"(authorization mode AlwaysAllow, {mode.where()}): anyone who reaches port "
                f"10250 can exec into every pod on the node{extra}",
                anon,
            )
        ]
    return []


def _tls(k: Kubelet) -> list[tuple[str, Setting]]:
    if k.get("server-tls-bootstrap").value is True:
        return []
    cert, key = k.get("tls-cert-file"), k.get("tls-private-key-file")
    if cert.value and key.value:
        return []
    return [
        (
            "no serving certificate (tlsCertFile/tlsPrivateKeyFile unset and serverTLSBootstrap "
            "off), so the kubelet serves a self-signed certificate; expected both files set or "
            "serverTLSBootstrap: true",
            cert,
        )
    ]


def _ciphers(k: Kubelet) -> list[tuple[str, Setting]]:
    s = k.get("tls-cipher-suites")
    if not s.value:
        return [
            (
                "tlsCipherSuites is not set, so Go's default suites (including CBC suites) are "
                "offered; expected only the CIS 4.2.12 strong suites",
                s,
            )
        ]
    weak = sorted(set(s.value) - KUBELET_STRONG_CIPHERS)
    if weak:
        return [(f"tlsCipherSuites includes weak suites {', '.join(weak)} ({s.where()})", s)]
    return []


_register(
    id="kubelet-anonymous-auth",
    title="Kubelet accepts anonymous requests",
    severity=Severity.HIGH,
    cis=["4.2.1"],
    judge=_expect(
        "anonymous-auth",
        _anonymous_off,
        "authentication.anonymous.enabled: false (--anonymous-auth=false)",
    ),
    owasp=("K09:2025",),
    nsa=("NSA-AUTH-AUTHN",),
    remediation="Set authentication.anonymous.enabled: false.",
)
_register(
    id="kubelet-authorization-mode",
    title="Kubelet authorizes every request (AlwaysAllow)",
    severity=Severity.HIGH,
    cis=["4.2.2"],
    judge=_expect(
        "authorization-mode",
        _not_always_allow,
        "authorization.mode: Webhook (--authorization-mode=Webhook)",
    ),
    owasp=("K02:2025",),
    nsa=("NSA-AUTH-RBAC",),
    remediation="Set authorization.mode: Webhook, so the API server (SubjectAccessReview) "
    "decides who may use the kubelet API.",
)
_register(
    id="kubelet-client-ca-file",
    title="Kubelet does not verify client certificates",
    severity=Severity.HIGH,
    cis=["4.2.3"],
    judge=_expect("client-ca-file", bool, "authentication.x509.clientCAFile set"),
    nsa=("NSA-AUTH-AUTHN",),
    remediation="Set authentication.x509.clientCAFile to the cluster CA.",
)
_register(
    id="kubelet-read-only-port",
    title="Kubelet serves the unauthenticated read-only port",
    severity=Severity.MEDIUM,
    cis=["4.2.4"],
    judge=_expect("read-only-port", lambda v: v in (0, "0"), "readOnlyPort: 0"),
    owasp=("K06:2025",),
    remediation="Set readOnlyPort: 0 (the config-file default). Port 10255 serves pod "
    "specs, including environment variables, to anyone.",
)
_register(
    id="kubelet-streaming-idle-timeout",
    title="Kubelet streaming connections never time out",
    severity=Severity.LOW,
    cis=["4.2.5"],
    judge=_expect(
        "streaming-idle-timeout",
        lambda v: isinstance(v, float) and v > 0,
        "streamingConnectionIdleTimeout above 0 (e.g. 5m)",
    ),
    remediation="Set streamingConnectionIdleTimeout to a non-zero value such as 5m.",
)
_register(
    id="kubelet-iptables-util-chains",
    title="Kubelet does not manage its iptables chains",
    severity=Severity.LOW,
    cis=["4.2.6"],
    judge=_expect("make-iptables-util-chains", lambda v: v is True, "makeIPTablesUtilChains: true"),
    remediation="Set makeIPTablesUtilChains: true (the default).",
)
_register(
    id="kubelet-hostname-override",
    title="Kubelet overrides the node's hostname",
    severity=Severity.LOW,
    cis=["4.2.7"],
    judge=_expect("hostname-override", lambda v: v in (None, ""), "--hostname-override unset"),
    remediation="Remove --hostname-override; a mismatched name can break TLS between the "
    "API server and the kubelet.",
)
_register(
    id="kubelet-event-qps",
    title="Kubelet event rate setting is invalid",
    severity=Severity.LOW,
    cis=["4.2.8"],
    judge=_expect(
        "event-qps",
        lambda v: isinstance(v, int) and v >= 0,
        "eventRecordQPS of 0 (unlimited) or more",
    ),
    remediation="Set eventRecordQPS to a level that captures the events you need (0 = no limit).",
)
_register(
    id="kubelet-tls-cert",
    title="Kubelet serves a self-signed certificate",
    severity=Severity.MEDIUM,
    cis=["4.2.9"],
    judge=_tls,
    nsa=("NSA-NET-ENCRYPTION",),
    remediation="Set tlsCertFile and tlsPrivateKeyFile, or serverTLSBootstrap: true with "
    "CSR approval.",
)
_register(
    id="kubelet-rotate-certificates",
    title="Kubelet does not rotate its client certificate",
    severity=Severity.MEDIUM,
    cis=["4.2.10"],
    judge=_expect("rotate-certificates", lambda v: v is True, "rotateCertificates: true"),
    remediation="Set rotateCertificates: true. An omitted field is false.",
)
_register(
    id="kubelet-server-certificate-rotation",
    title="Kubelet turns off serving certificate rotation",
    severity=Severity.MEDIUM,
    cis=["4.2.11"],
    judge=_expect(
        "rotate-server-cert-gate",
        lambda v: v is not False,
        "feature gate RotateKubeletServerCertificate on",
    ),
    remediation="Remove RotateKubeletServerCertificate=false from featureGates and "
    "--feature-gates.",
)
_register(
    id="kubelet-tls-cipher-suites",
    title="Kubelet offers weak TLS cipher suites",
    severity=Severity.MEDIUM,
    cis=["4.2.12"],
    judge=_ciphers,
    nsa=("NSA-NET-ENCRYPTION",),
    remediation="Set tlsCipherSuites to TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, "
    "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305, "
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305, "
    "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384.",
)
_register(
    id="kubelet-pod-pids-limit",
    title="Kubelet sets no PID limit per pod",
    severity=Severity.LOW,
    cis=["4.2.13"],
    judge=_expect(
        "pod-pids-limit", lambda v: isinstance(v, int) and v > 0, "podPidsLimit above 0 (e.g. 4096)"
    ),
    remediation="Set podPidsLimit (e.g. 4096), so a fork bomb in one pod cannot exhaust "
    "the node's PIDs.",
)
_register(
    id="kubelet-seccomp-default",
    title="Kubelet does not apply RuntimeDefault seccomp",
    severity=Severity.LOW,
    cis=["4.2.14"],
    judge=_expect("seccomp-default", lambda v: v is True, "seccompDefault: true"),
    owasp=("K01:2025",),
    remediation="Set seccompDefault: true, so pods without a seccomp profile get "
    "RuntimeDefault instead of Unconfined.",
)
_register(
    id="kubelet-protect-kernel-defaults",
    title="Kubelet does not protect kernel defaults",
    severity=Severity.LOW,
    cis=[],
    judge=_expect("protect-kernel-defaults", lambda v: v is True, "protectKernelDefaults: true"),
    remediation="Set protectKernelDefaults: true (and tune the node's sysctls to the "
    "kubelet's expectations first). Stockade-only: CIS v1.7 and later dropped this item.",
)
_register(
    id="kubelet-exposed",
    title="Kubelet API is open to anyone (anonymous + AlwaysAllow)",
    severity=Severity.CRITICAL,
    cis=["4.2.1", "4.2.2", "4.2.4"],
    judge=_exposed,
    owasp=("K06:2025", "K09:2025"),
    nsa=("NSA-NET-NODES", "NSA-AUTH-AUTHN"),
    remediation="Set authentication.anonymous.enabled: false and authorization.mode: "
    "Webhook (or remove the flags --anonymous-auth=true and --authorization-mode="
    "AlwaysAllow), and firewall port 10250.",
)


@rule(
    id="kube-proxy-metrics-bind-address",
    title="kube-proxy serves metrics on all interfaces",
    severity=Severity.MEDIUM,
    category=Category.CONTROL_PLANE,
    target=Target.INVENTORY,
    frameworks={"cis": ["4.3.1"], "nsa": ["NSA-NET-NODES"], "owasp": ["K06:2025"]},
    needs=("kube-proxy",),
    remediation="""Set metricsBindAddress: 127.0.0.1:10249 in the KubeProxyConfiguration (the
    kube-system/kube-proxy ConfigMap on kubeadm clusters) or --metrics-bind-address, then restart
    the kube-proxy pods.""",
)
def kube_proxy_metrics(inv: Inventory, ctx: RuleContext) -> Iterator[Violation]:
    """kube-proxy's metrics endpoint must listen on localhost only (an omitted or empty
    metricsBindAddress is 127.0.0.1:10249)."""
    for proxy in find_kube_proxies(inv):
        address, _ = proxy.metrics_bind_address()
        host = address.rsplit(":", 1)[0].strip("[]")
        if host in ("127.0.0.1", "::1", "localhost"):
            continue
        yield Violation(
            f"kube-proxy: metricsBindAddress is {address}; expected 127.0.0.1:10249",
            proxy.base or ("metricsBindAddress",),
            key="metricsBindAddress",
            resource=proxy.resource,
        )
