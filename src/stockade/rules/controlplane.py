"""Control-plane flag checks: CIS Kubernetes Benchmark v1.12 sections 1.2-1.4 and 2.

Spec: the CIS items (kube-bench ``cfg/cis-1.12/master.yaml`` and ``etcd.yaml``) and the
component flag references (kube-apiserver, kube-controller-manager, kube-scheduler, etcd). Each
check judges the value the component runs with: an absent flag is its documented default
(``--anonymous-auth`` true, ``--profiling`` true, ``--authorization-mode`` AlwaysAllow,
``--bind-address`` 0.0.0.0, ``--service-account-lookup`` true, ...). Where kube-bench accepts an
absent ``--bind-address`` (1.3.7, 1.4.2), Stockade does not: the default binds every interface.
"""

from __future__ import annotations

from stockade.controlplane.components import (
    APISERVER,
    CONTROLLER_MANAGER,
    ETCD,
    SCHEDULER,
    Component,
    find_components,
    referenced,
)
from stockade.controlplane.flags import parse_duration
from stockade.inventory.index import Inventory
from stockade.model import Severity
from stockade.rules.flagchecks import (
    Check,
    Problem,
    bool_flag,
    int_at_least,
    loopback,
    register_flag_rule,
    required,
    unset,
)

# kube-apiserver admission plugins enabled when --enable-admission-plugins does not name them
# (kube-apiserver reference, "--enable-admission-plugins"; Kubernetes 1.32-1.34).
DEFAULT_ADMISSION = frozenset(
    {
        "CertificateApproval",
        "CertificateSigning",
        "CertificateSubjectRestriction",
        "ClusterTrustBundleAttest",
        "DefaultIngressClass",
        "DefaultStorageClass",
        "DefaultTolerationSeconds",
        "LimitRanger",
        "MutatingAdmissionWebhook",
        "NamespaceLifecycle",
        "PersistentVolumeClaimResize",
        "PodSecurity",
        "Priority",
        "ResourceQuota",
        "RuntimeClass",
        "ServiceAccount",
        "StorageObjectInUseProtection",
        "TaintNodesByCondition",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionWebhook",
    }
)

# CIS 1.2.29 strong cipher list (kube-bench cis-1.12; the *_CBC_SHA suites were dropped).
APISERVER_STRONG_CIPHERS = frozenset(
    {
        "TLS_AES_128_GCM_SHA256",
        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
        "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
    }
)

_EDIT = "Edit the static pod manifest (/etc/kubernetes/manifests/{file}) on each control-plane node"
_API = _EDIT.format(file="kube-apiserver.yaml")
_KCM = _EDIT.format(file="kube-controller-manager.yaml")
_SCHED = _EDIT.format(file="kube-scheduler.yaml")
_ETCD = _EDIT.format(file="etcd.yaml")


def enabled_admission(comp: Component) -> set[str]:
    """The admission plugins the API server runs: defaults + enabled - disabled."""
    return set(DEFAULT_ADMISSION | set(comp.flags.items("enable-admission-plugins"))) - set(
        comp.flags.items("disable-admission-plugins")
    )


def _admission_on(plugin: str) -> Check:
    def check(comp: Component, inv: Inventory) -> list[Problem]:
        if plugin in enabled_admission(comp):
            return []
        disabled = [f for f in comp.flags.all("disable-admission-plugins") if plugin in f.text]
        if disabled:
            return [
                Problem(
                    f"{comp.name}: {disabled[-1].display()} turns off the {plugin} admission "
                    f"plugin; expected it enabled",
                    disabled[-1].path,
                    plugin,
                )
            ]
        f = comp.flags.last("enable-admission-plugins")
        return [
            Problem(
                f"{comp.name}: admission plugin {plugin} is not enabled "
                f"({f.display() if f else '--enable-admission-plugins is not set'}); expected "
                f"--enable-admission-plugins to include {plugin}",
                f.path if f else comp.anchor,
                plugin,
            )
        ]

    return check


def _admission_off(plugin: str) -> Check:
    def check(comp: Component, inv: Inventory) -> list[Problem]:
        if plugin not in enabled_admission(comp):
            return []
        f = next(
            f for f in reversed(comp.flags.all("enable-admission-plugins")) if plugin in f.text
        )
        return [
            Problem(
                f"{comp.name}: {f.display()} enables {plugin}; expected it removed",
                f.path,
                plugin,
            )
        ]

    return check


def authorization_modes(comp: Component, inv: Inventory) -> tuple[list[str], str, Problem | None]:
    """The authorizers the API server chains, how they were given, and where to point.

    ``--authorization-config`` (AuthorizationConfiguration) replaces ``--authorization-mode``;
    with neither, the API server allows everything (AlwaysAllow).
    """
    config_flag = comp.flags.last("authorization-config")
    if config_flag is not None:
        res = referenced(inv, ("AuthorizationConfiguration",), config_flag.text)
        if res is not None:
            types = [
                str(a.get("type")) for a in res.obj.get("authorizers") or [] if isinstance(a, dict)
            ]
            return types, f"AuthorizationConfiguration {res.origin.file}", None
    f = comp.flags.last("authorization-mode")
    if f is None:
        return (
            ["AlwaysAllow"],
            "--authorization-mode is not set (default AlwaysAllow)",
            Problem("", comp.anchor, "authorization-mode"),
        )
    return (
        comp.flags.items("authorization-mode"),
        f.display(),
        Problem("", f.path, "authorization-mode"),
    )


def _authz(mode: str, present: bool) -> Check:
    def check(comp: Component, inv: Inventory) -> list[Problem]:
        modes, shown, where = authorization_modes(comp, inv)
        if (mode in modes) == present:
            return []
        want = f"includes {mode}" if present else f"does not include {mode}"
        path = where.path if where else comp.anchor
        return [
            Problem(
                f"{comp.name}: {shown}; expected an authorizer chain that {want}, "
                "e.g. --authorization-mode=Node,RBAC",
                path,
                mode,
            )
        ]

    return check


_ANON_OK_PATHS = frozenset({"/healthz", "/readyz", "/livez"})


def _anonymous(comp: Component, inv: Inventory) -> list[Problem]:
    cfg = comp.flags.last("authentication-config")
    if cfg is not None:
        res = referenced(inv, ("AuthenticationConfiguration",), cfg.text)
        anon = res.obj.get("anonymous") if res is not None else None
        if isinstance(anon, dict):
            if anon.get("enabled") is not True:
                return []
            paths = {
                str(c.get("path")) for c in anon.get("conditions") or [] if isinstance(c, dict)
            }
            if paths and paths <= _ANON_OK_PATHS:
                return []
            return [
                Problem(
                    f"{comp.name}: AuthenticationConfiguration {res.origin.file if res else ''} "
                    "enables anonymous requests beyond /healthz, /readyz and /livez; expected "
                    "anonymous.enabled: false",
                    cfg.path,
                    "--anonymous-auth",
                )
            ]
    return bool_flag("anonymous-auth", False, True)(comp, inv)


def _cipher_suites(comp: Component, inv: Inventory) -> list[Problem]:
    f = comp.flags.last("tls-cipher-suites")
    if f is None:
        return [
            Problem(
                f"{comp.name}: --tls-cipher-suites is not set, so Go's default suites (including "
                "CBC and RSA key-exchange suites) are offered; expected only strong suites, e.g. "
                "--tls-cipher-suites=TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,"
                "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,...",
                comp.anchor,
                "--tls-cipher-suites",
            )
        ]
    weak = sorted(set(comp.flags.items("tls-cipher-suites")) - APISERVER_STRONG_CIPHERS)
    if not weak:
        return []
    return [
        Problem(
            f"{comp.name}: --tls-cipher-suites includes weak suites {', '.join(weak)}; expected "
            "only the CIS 1.2.29 strong suites",
            f.path,
            "--tls-cipher-suites",
        )
    ]


def _request_timeout(comp: Component, inv: Inventory) -> list[Problem]:
    f = comp.flags.last("request-timeout")
    if f is None:
        return []  # default 1m0s
    seconds = parse_duration(f.text)
    if seconds is not None and 0 < seconds <= 3600:
        return []
    return [
        Problem(
            f"{comp.name}: {f.display()} is not a duration between 1s and 1h; expected the "
            "default (60s) or a bounded value such as --request-timeout=300s",
            f.path,
            "--request-timeout",
        )
    ]


def _sa_key(comp: Component, inv: Inventory) -> list[Problem]:
    return required("service-account-key-file")(comp, inv)


def _etcd_ca(comp: Component, inv: Inventory) -> list[Problem]:
    out = required("trusted-ca-file")(comp, inv)
    if out:
        return out
    ca = comp.flags.value("trusted-ca-file")
    apis = find_components(inv)[APISERVER]
    for api in apis:
        if api.flags.value("client-ca-file") == ca:
            f = comp.flags.last("trusted-ca-file")
            assert f is not None
            return [
                Problem(
                    f"etcd: {f.display()} is also the API server's --client-ca-file, so any "
                    "cluster client certificate is trusted by etcd; expected a CA for etcd alone",
                    f.path,
                    "--trusted-ca-file",
                )
            ]
    return []


def _gate_not_false(gate: str) -> Check:
    def check(comp: Component, inv: Inventory) -> list[Problem]:
        for f in reversed(comp.flags.all("feature-gates")):
            for part in f.text.split(","):
                key, _, value = part.strip().partition("=")
                if key == gate:
                    if value.strip().lower() == "false":
                        return [
                            Problem(
                                f"{comp.name}: {f.display()} turns off {gate}; expected it on "
                                "(remove it from --feature-gates)",
                                f.path,
                                gate,
                            )
                        ]
                    return []
        return []

    return check


def _terminated_gc(comp: Component, inv: Inventory) -> list[Problem]:
    out = required("terminated-pod-gc-threshold")(comp, inv)
    for p in out:
        return [
            Problem(
                p.message.replace("<path>", "10"),
                p.path,
                p.key,
            )
        ]
    return []


_R = register_flag_rule

# -- kube-apiserver (CIS 1.2) ----------------------------------------------------------------
_R(
    id="apiserver-anonymous-auth",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.1"],
    title="API server accepts anonymous requests",
    check=_anonymous,
    needs=("authentication-config",),
    nsa=("NSA-AUTH-AUTHN",),
    owasp=("K09:2025",),
    remediation=f"{_API} and set --anonymous-auth=false (or, with --authentication-config, set "
    "anonymous.enabled: false or limit it to /healthz, /readyz and /livez). Unauthenticated "
    "requests run as system:anonymous, and one careless RBAC binding exposes the cluster.",
)
_R(
    id="apiserver-token-auth-file",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.2"],
    title="API server uses a static token file",
    check=unset("token-auth-file", "static tokens never expire and change only on restart"),
    nsa=("NSA-AUTH-AUTHN",),
    owasp=("K09:2025",),
    remediation=f"{_API}, remove --token-auth-file and authenticate users with client "
    "certificates, OIDC or a webhook instead.",
)
_R(
    id="apiserver-deny-service-external-ips",
    component=APISERVER,
    severity=Severity.MEDIUM,
    cis=["1.2.3"],
    title="API server does not deny Service externalIPs",
    check=_admission_on("DenyServiceExternalIPs"),
    remediation=f"{_API} and add DenyServiceExternalIPs to --enable-admission-plugins. Service "
    "externalIPs let any user who can create Services intercept traffic (CVE-2020-8554).",
)
_R(
    id="apiserver-kubelet-client-cert",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.4"],
    title="API server has no client certificate for kubelets",
    check=required("kubelet-client-certificate", "kubelet-client-key"),
    nsa=("NSA-NET-ENCRYPTION",),
    remediation=f"{_API} and set --kubelet-client-certificate and --kubelet-client-key, so the "
    "API server authenticates to kubelets and kubelets can refuse everyone else.",
)
_R(
    id="apiserver-kubelet-certificate-authority",
    component=APISERVER,
    severity=Severity.MEDIUM,
    cis=["1.2.5"],
    title="API server does not verify kubelet serving certificates",
    check=required("kubelet-certificate-authority"),
    nsa=("NSA-NET-ENCRYPTION",),
    remediation=f"{_API} and set --kubelet-certificate-authority to the CA that signs kubelet "
    "serving certificates (enable serverTLSBootstrap on kubelets), so exec and logs traffic "
    "cannot be intercepted.",
)
_R(
    id="apiserver-authorization-always-allow",
    component=APISERVER,
    severity=Severity.CRITICAL,
    cis=["1.2.6"],
    title="API server authorizes every request (AlwaysAllow)",
    check=_authz("AlwaysAllow", False),
    needs=("authorization-config",),
    nsa=("NSA-AUTH-RBAC",),
    owasp=("K02:2025",),
    remediation=f"{_API} and set --authorization-mode=Node,RBAC (or list Node and RBAC "
    "authorizers in the --authorization-config file). AlwaysAllow lets every authenticated "
    "user do anything.",
)
_R(
    id="apiserver-authorization-node",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.7"],
    title="API server does not use the Node authorizer",
    check=_authz("Node", True),
    needs=("authorization-config",),
    nsa=("NSA-AUTH-RBAC",),
    owasp=("K02:2025",),
    remediation=f"{_API} and include Node in --authorization-mode (e.g. Node,RBAC). The Node "
    "authorizer limits each kubelet to the objects of its own pods.",
)
_R(
    id="apiserver-authorization-rbac",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.8"],
    title="API server does not use RBAC",
    check=_authz("RBAC", True),
    needs=("authorization-config",),
    nsa=("NSA-AUTH-RBAC",),
    owasp=("K02:2025",),
    remediation=f"{_API} and include RBAC in --authorization-mode (e.g. Node,RBAC).",
)
_R(
    id="apiserver-event-rate-limit",
    component=APISERVER,
    severity=Severity.LOW,
    cis=["1.2.9"],
    title="API server has no EventRateLimit admission plugin",
    check=_admission_on("EventRateLimit"),
    remediation=f"{_API}, add EventRateLimit to --enable-admission-plugins and configure its "
    "limits in the --admission-control-config-file, so event floods cannot overload the API "
    "server and etcd.",
)
_R(
    id="apiserver-always-admit",
    component=APISERVER,
    severity=Severity.CRITICAL,
    cis=["1.2.10"],
    title="API server admits every request (AlwaysAdmit)",
    check=_admission_off("AlwaysAdmit"),
    owasp=("K04:2025",),
    remediation=f"{_API} and remove AlwaysAdmit from --enable-admission-plugins.",
)
_R(
    id="apiserver-always-pull-images",
    component=APISERVER,
    severity=Severity.LOW,
    cis=["1.2.11"],
    title="API server does not force image pulls (AlwaysPullImages)",
    check=_admission_on("AlwaysPullImages"),
    remediation=f"{_API} and add AlwaysPullImages to --enable-admission-plugins, so a pod "
    "cannot use a private image cached on the node without credentials for it.",
)
_R(
    id="apiserver-service-account-admission",
    component=APISERVER,
    severity=Severity.MEDIUM,
    cis=["1.2.12"],
    title="API server has the ServiceAccount admission plugin turned off",
    check=_admission_on("ServiceAccount"),
    remediation=f"{_API} and remove ServiceAccount from --disable-admission-plugins.",
)
_R(
    id="apiserver-namespace-lifecycle",
    component=APISERVER,
    severity=Severity.MEDIUM,
    cis=["1.2.13"],
    title="API server has the NamespaceLifecycle admission plugin turned off",
    check=_admission_on("NamespaceLifecycle"),
    remediation=f"{_API} and remove NamespaceLifecycle from --disable-admission-plugins.",
)
_R(
    id="apiserver-node-restriction",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.14"],
    title="API server lacks the NodeRestriction admission plugin",
    check=_admission_on("NodeRestriction"),
    remediation=f"{_API} and add NodeRestriction to --enable-admission-plugins (it is not on by "
    "default). It stops a kubelet from changing other nodes or pods and their labels.",
)
_R(
    id="apiserver-profiling",
    component=APISERVER,
    severity=Severity.LOW,
    cis=["1.2.15"],
    title="API server exposes profiling",
    check=bool_flag("profiling", False, True),
    remediation=f"{_API} and set --profiling=false.",
)
_R(
    id="apiserver-audit-log-path",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.16"],
    title="API server writes no audit log",
    check=required("audit-log-path"),
    nsa=("NSA-LOG-LOGGING",),
    owasp=("K10:2025",),
    remediation=f"{_API}, set --audit-log-path=/var/log/kubernetes/audit/audit.log and "
    "--audit-policy-file, and mount both into the pod.",
)
_R(
    id="apiserver-audit-log-maxage",
    component=APISERVER,
    severity=Severity.LOW,
    cis=["1.2.17"],
    title="API server keeps audit logs for less than 30 days",
    check=int_at_least("audit-log-maxage", 30, 0),
    nsa=("NSA-LOG-LOGGING",),
    owasp=("K10:2025",),
    remediation=f"{_API} and set --audit-log-maxage=30 (or your retention requirement).",
)
_R(
    id="apiserver-audit-log-maxbackup",
    component=APISERVER,
    severity=Severity.LOW,
    cis=["1.2.18"],
    title="API server keeps fewer than 10 audit log files",
    check=int_at_least("audit-log-maxbackup", 10, 0),
    nsa=("NSA-LOG-LOGGING",),
    owasp=("K10:2025",),
    remediation=f"{_API} and set --audit-log-maxbackup=10.",
)
_R(
    id="apiserver-audit-log-maxsize",
    component=APISERVER,
    severity=Severity.LOW,
    cis=["1.2.19"],
    title="API server rotates audit logs below 100 MB",
    check=int_at_least("audit-log-maxsize", 100, 0),
    nsa=("NSA-LOG-LOGGING",),
    owasp=("K10:2025",),
    remediation=f"{_API} and set --audit-log-maxsize=100.",
)
_R(
    id="apiserver-request-timeout",
    component=APISERVER,
    severity=Severity.LOW,
    cis=["1.2.20"],
    title="API server request timeout is unbounded or invalid",
    check=_request_timeout,
    remediation=f"{_API} and leave --request-timeout at its default (60s) or set a bounded "
    "value such as --request-timeout=300s.",
)
_R(
    id="apiserver-service-account-lookup",
    component=APISERVER,
    severity=Severity.MEDIUM,
    cis=["1.2.21"],
    title="API server accepts deleted service account tokens",
    check=bool_flag("service-account-lookup", True, True),
    nsa=("NSA-AUTH-AUTHN",),
    owasp=("K09:2025",),
    remediation=f"{_API} and set --service-account-lookup=true (or remove the flag), so "
    "tokens of deleted service accounts stop working.",
)
_R(
    id="apiserver-service-account-key-file",
    component=APISERVER,
    severity=Severity.MEDIUM,
    cis=["1.2.22"],
    title="API server has no service account verification key",
    check=_sa_key,
    nsa=("NSA-AUTH-AUTHN",),
    remediation=f"{_API} and set --service-account-key-file to the public key matching the "
    "controller manager's --service-account-private-key-file, so keys can be rotated.",
)
_R(
    id="apiserver-etcd-client-cert",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.23"],
    title="API server has no client certificate for etcd",
    check=required("etcd-certfile", "etcd-keyfile"),
    nsa=("NSA-NET-ENCRYPTION",),
    remediation=f"{_API} and set --etcd-certfile and --etcd-keyfile.",
)
_R(
    id="apiserver-tls-cert",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.24"],
    title="API server has no serving certificate",
    check=required("tls-cert-file", "tls-private-key-file"),
    nsa=("NSA-NET-ENCRYPTION",),
    remediation=f"{_API} and set --tls-cert-file and --tls-private-key-file.",
)
_R(
    id="apiserver-client-ca-file",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.25"],
    title="API server has no client CA",
    check=required("client-ca-file"),
    nsa=("NSA-AUTH-AUTHN",),
    remediation=f"{_API} and set --client-ca-file.",
)
_R(
    id="apiserver-etcd-ca-file",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.26"],
    title="API server does not verify etcd's certificate",
    check=required("etcd-cafile"),
    nsa=("NSA-NET-ENCRYPTION",),
    remediation=f"{_API} and set --etcd-cafile to the etcd CA.",
)
_R(
    id="apiserver-tls-cipher-suites",
    component=APISERVER,
    severity=Severity.MEDIUM,
    cis=["1.2.29"],
    title="API server offers weak TLS cipher suites",
    check=_cipher_suites,
    nsa=("NSA-NET-ENCRYPTION",),
    remediation=f"{_API} and set --tls-cipher-suites to strong suites only: "
    "TLS_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256, "
    "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, "
    "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, "
    "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305.",
)
_R(
    id="apiserver-service-account-extend-token-expiration",
    component=APISERVER,
    severity=Severity.LOW,
    cis=["1.2.30"],
    title="API server extends service account token lifetimes",
    check=bool_flag("service-account-extend-token-expiration", False, True),
    nsa=("NSA-AUTH-AUTHN",),
    owasp=("K09:2025",),
    remediation=f"{_API} and set --service-account-extend-token-expiration=false, so projected "
    "tokens expire when they say (the default extends them to a year).",
)

# -- kube-controller-manager (CIS 1.3) -------------------------------------------------------
_R(
    id="controller-manager-terminated-pod-gc",
    component=CONTROLLER_MANAGER,
    severity=Severity.LOW,
    cis=["1.3.1"],
    title="Controller manager keeps terminated pods without a threshold",
    check=_terminated_gc,
    remediation=f"{_KCM} and set --terminated-pod-gc-threshold (e.g. 10), so terminated pods "
    "are collected before they degrade the cluster.",
)
_R(
    id="controller-manager-profiling",
    component=CONTROLLER_MANAGER,
    severity=Severity.LOW,
    cis=["1.3.2"],
    title="Controller manager exposes profiling",
    check=bool_flag("profiling", False, True),
    remediation=f"{_KCM} and set --profiling=false.",
)
_R(
    id="controller-manager-service-account-credentials",
    component=CONTROLLER_MANAGER,
    severity=Severity.MEDIUM,
    cis=["1.3.3"],
    title="Controllers share the controller manager's credentials",
    check=bool_flag("use-service-account-credentials", True, False),
    nsa=("NSA-AUTH-RBAC",),
    owasp=("K02:2025",),
    remediation=f"{_KCM} and set --use-service-account-credentials=true, so each controller "
    "runs with its own least-privilege service account.",
)
_R(
    id="controller-manager-service-account-private-key",
    component=CONTROLLER_MANAGER,
    severity=Severity.MEDIUM,
    cis=["1.3.4"],
    title="Controller manager has no service account signing key",
    check=required("service-account-private-key-file"),
    nsa=("NSA-AUTH-AUTHN",),
    remediation=f"{_KCM} and set --service-account-private-key-file.",
)
_R(
    id="controller-manager-root-ca",
    component=CONTROLLER_MANAGER,
    severity=Severity.MEDIUM,
    cis=["1.3.5"],
    title="Controller manager gives pods no root CA",
    check=required("root-ca-file"),
    nsa=("NSA-NET-ENCRYPTION",),
    remediation=f"{_KCM} and set --root-ca-file, so pods can verify the API server's certificate.",
)
_R(
    id="controller-manager-rotate-kubelet-server-certificate",
    component=CONTROLLER_MANAGER,
    severity=Severity.MEDIUM,
    cis=["1.3.6"],
    title="Controller manager turns off kubelet serving certificate rotation",
    check=_gate_not_false("RotateKubeletServerCertificate"),
    remediation=f"{_KCM} and remove RotateKubeletServerCertificate=false from --feature-gates.",
)
_R(
    id="controller-manager-bind-address",
    component=CONTROLLER_MANAGER,
    severity=Severity.MEDIUM,
    cis=["1.3.7"],
    title="Controller manager listens on all interfaces",
    check=loopback("bind-address", "0.0.0.0"),
    owasp=("K06:2025",),
    remediation=f"{_KCM} and set --bind-address=127.0.0.1.",
)

# -- kube-scheduler (CIS 1.4) ----------------------------------------------------------------
_R(
    id="scheduler-profiling",
    component=SCHEDULER,
    severity=Severity.LOW,
    cis=["1.4.1"],
    title="Scheduler exposes profiling",
    check=bool_flag("profiling", False, True),
    remediation=f"{_SCHED} and set --profiling=false.",
)
_R(
    id="scheduler-bind-address",
    component=SCHEDULER,
    severity=Severity.MEDIUM,
    cis=["1.4.2"],
    title="Scheduler listens on all interfaces",
    check=loopback("bind-address", "0.0.0.0"),
    owasp=("K06:2025",),
    remediation=f"{_SCHED} and set --bind-address=127.0.0.1.",
)

# -- etcd (CIS 2) -------------------------------------------------------------------------------
_R(
    id="etcd-tls-cert",
    component=ETCD,
    needs=("etcd-config",),
    severity=Severity.HIGH,
    cis=["2.1"],
    title="etcd serves clients without TLS",
    check=required("cert-file", "key-file"),
    nsa=("NSA-NET-CONTROLPLANE", "NSA-NET-ENCRYPTION"),
    remediation=f"{_ETCD} and set --cert-file and --key-file.",
)
_R(
    id="etcd-client-cert-auth",
    component=ETCD,
    needs=("etcd-config",),
    severity=Severity.CRITICAL,
    cis=["2.2"],
    title="etcd does not require client certificates",
    check=bool_flag("client-cert-auth", True, False),
    owasp=("K06:2025",),
    remediation=f"{_ETCD} and set --client-cert-auth=true. Without it anyone who reaches etcd "
    "reads every Secret.",
)
_R(
    id="etcd-auto-tls",
    component=ETCD,
    needs=("etcd-config",),
    severity=Severity.HIGH,
    cis=["2.3"],
    title="etcd uses self-signed client certificates (auto-tls)",
    check=bool_flag("auto-tls", False, False),
    remediation=f"{_ETCD} and remove --auto-tls or set --auto-tls=false.",
)
_R(
    id="etcd-peer-tls-cert",
    component=ETCD,
    needs=("etcd-config",),
    severity=Severity.HIGH,
    cis=["2.4"],
    title="etcd peers talk without TLS",
    check=required("peer-cert-file", "peer-key-file"),
    nsa=("NSA-NET-CONTROLPLANE", "NSA-NET-ENCRYPTION"),
    remediation=f"{_ETCD} and set --peer-cert-file and --peer-key-file.",
)
_R(
    id="etcd-peer-client-cert-auth",
    component=ETCD,
    needs=("etcd-config",),
    severity=Severity.HIGH,
    cis=["2.5"],
    title="etcd does not authenticate its peers",
    check=bool_flag("peer-client-cert-auth", True, False),
    remediation=f"{_ETCD} and set --peer-client-cert-auth=true.",
)
_R(
    id="etcd-peer-auto-tls",
    component=ETCD,
    needs=("etcd-config",),
    severity=Severity.HIGH,
    cis=["2.6"],
    title="etcd uses self-signed peer certificates (peer-auto-tls)",
    check=bool_flag("peer-auto-tls", False, False),
    remediation=f"{_ETCD} and remove --peer-auto-tls or set --peer-auto-tls=false.",
)
_R(
    id="etcd-unique-ca",
    component=ETCD,
    needs=("etcd-config",),
    severity=Severity.MEDIUM,
    cis=["2.7"],
    title="etcd does not use a CA of its own",
    check=_etcd_ca,
    remediation=f"{_ETCD} and set --trusted-ca-file to a CA used only for etcd (kubeadm: "
    "/etc/kubernetes/pki/etcd/ca.crt), not the cluster CA given to the API server as "
    "--client-ca-file.",
)
