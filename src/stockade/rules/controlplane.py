"""kube-controller-manager, kube-scheduler and etcd flag checks: CIS Kubernetes Benchmark
v1.12 sections 1.3, 1.4 and 2.

Spec: kube-bench ``cfg/cis-1.12/master.yaml`` and ``etcd.yaml`` and the component flag
references. An absent flag is the component's default (``--profiling`` true, ``--bind-address``
0.0.0.0, etcd ``--client-cert-auth`` false). Where kube-bench accepts an absent
``--bind-address`` (1.3.7, 1.4.2), Stockade does not: the default binds every interface.
"""

from __future__ import annotations

from stockade.controlplane.components import (
    APISERVER,
    CONTROLLER_MANAGER,
    ETCD,
    SCHEDULER,
    Component,
    find_components,
)
from stockade.inventory.index import Inventory
from stockade.model import Severity
from stockade.rules.flagchecks import (
    Check,
    Problem,
    bool_flag,
    loopback,
    register_flag_rule,
    required,
)

_EDIT = "Edit the static pod manifest (/etc/kubernetes/manifests/{file}) on each control-plane node"
_KCM = _EDIT.format(file="kube-controller-manager.yaml")
_SCHED = _EDIT.format(file="kube-scheduler.yaml")
_ETCD = _EDIT.format(file="etcd.yaml")


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
