"""kube-apiserver check functions (templates and effective values) for `stockade.rules.apiserver`.

Admission plugins: the default set plus ``--enable-admission-plugins`` minus
``--disable-admission-plugins``. Authorizers: ``--authorization-config`` replaces
``--authorization-mode``; with neither the API server runs AlwaysAllow. Anonymous access:
``--authentication-config`` (its ``anonymous`` section) replaces ``--anonymous-auth``.
"""

from __future__ import annotations

from stockade.controlplane.components import Component, referenced
from stockade.controlplane.flags import parse_duration
from stockade.inventory.index import Inventory
from stockade.rules.flagchecks import Check, Problem, bool_flag, required

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


def enabled_admission(comp: Component) -> set[str]:
    """The admission plugins the API server runs: defaults + enabled - disabled."""
    return set(DEFAULT_ADMISSION | set(comp.flags.items("enable-admission-plugins"))) - set(
        comp.flags.items("disable-admission-plugins")
    )


def admission_on(plugin: str) -> Check:
    """The admission plugin ``plugin`` must run (enabled, not disabled)."""

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


def admission_off(plugin: str) -> Check:
    """The admission plugin ``plugin`` must not run."""

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


def authz_check(mode: str, present: bool) -> Check:
    """The authorizer chain must (``present``) or must not include ``mode``."""

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


def anonymous_check(comp: Component, inv: Inventory) -> list[Problem]:
    """Anonymous requests: off, or limited to health endpoints by --authentication-config."""
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


def cipher_suites_check(comp: Component, inv: Inventory) -> list[Problem]:
    """--tls-cipher-suites set, and only to CIS 1.2.29 strong suites."""
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


def request_timeout_check(comp: Component, inv: Inventory) -> list[Problem]:
    """--request-timeout, when set, is a duration between 1s and 1h."""
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


def sa_key_check(comp: Component, inv: Inventory) -> list[Problem]:
    """--service-account-key-file is set."""
    return required("service-account-key-file")(comp, inv)
