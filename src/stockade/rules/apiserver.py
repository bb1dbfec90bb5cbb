"""kube-apiserver flag checks: CIS Kubernetes Benchmark v1.12 section 1.2.

Spec: kube-bench ``cfg/cis-1.12/master.yaml`` and the kube-apiserver flag reference. Each check
judges the value the API server runs with: an absent flag is its documented default
(``--anonymous-auth`` true, ``--profiling`` true, ``--authorization-mode`` AlwaysAllow,
``--service-account-lookup`` true, ...); ``--authorization-config`` and
``--authentication-config`` files replace the flags they supersede.
"""

from __future__ import annotations

from stockade.controlplane.components import (
    APISERVER,
)
from stockade.model import Severity
from stockade.rules.apiserverflags import (
    admission_off,
    admission_on,
    anonymous_check,
    authz_check,
    cipher_suites_check,
    request_timeout_check,
    sa_key_check,
)
from stockade.rules.flagchecks import (
    bool_flag,
    int_at_least,
    register_flag_rule,
    required,
    unset,
)

_EDIT = "Edit the static pod manifest (/etc/kubernetes/manifests/{file}) on each control-plane node"
_API = _EDIT.format(file="kube-apiserver.yaml")


_R = register_flag_rule

# -- kube-apiserver (CIS 1.2) ----------------------------------------------------------------
_R(
    id="apiserver-anonymous-auth",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.1"],
    title="API server accepts anonymous requests",
    check=anonymous_check,
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
    check=admission_on("DenyServiceExternalIPs"),
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
    check=authz_check("AlwaysAllow", False),
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
    check=authz_check("Node", True),
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
    check=authz_check("RBAC", True),
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
    check=admission_on("EventRateLimit"),
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
    check=admission_off("AlwaysAdmit"),
    owasp=("K04:2025",),
    remediation=f"{_API} and remove AlwaysAdmit from --enable-admission-plugins.",
)
_R(
    id="apiserver-always-pull-images",
    component=APISERVER,
    severity=Severity.LOW,
    cis=["1.2.11"],
    title="API server does not force image pulls (AlwaysPullImages)",
    check=admission_on("AlwaysPullImages"),
    remediation=f"{_API} and add AlwaysPullImages to --enable-admission-plugins, so a pod "
    "cannot use a private image cached on the node without credentials for it.",
)
_R(
    id="apiserver-service-account-admission",
    component=APISERVER,
    severity=Severity.MEDIUM,
    cis=["1.2.12"],
    title="API server has the ServiceAccount admission plugin turned off",
    check=admission_on("ServiceAccount"),
    remediation=f"{_API} and remove ServiceAccount from --disable-admission-plugins.",
)
_R(
    id="apiserver-namespace-lifecycle",
    component=APISERVER,
    severity=Severity.MEDIUM,
    cis=["1.2.13"],
    title="API server has the NamespaceLifecycle admission plugin turned off",
    check=admission_on("NamespaceLifecycle"),
    remediation=f"{_API} and remove NamespaceLifecycle from --disable-admission-plugins.",
)
_R(
    id="apiserver-node-restriction",
    component=APISERVER,
    severity=Severity.HIGH,
    cis=["1.2.14"],
    title="API server lacks the NodeRestriction admission plugin",
    check=admission_on("NodeRestriction"),
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
    check=request_timeout_check,
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
    check=sa_key_check,
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
    check=cipher_suites_check,
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
