"""Which components the input shows, and why a check on an invisible one cannot be judged.

Control-plane and kubelet rules declare what they need (``needs={"kube-apiserver"}``). The scan
adds the capabilities `observe` finds in the inventory to those of the source; a rule whose
needs are not met is reported in ``ScanResult.not_evaluated`` with the reason given here, never
as passed. Plain manifest scans stay quiet: these needs are reported only when the scan is about
hardening (``--node``, a cluster scan) or the input shows some node or control-plane
configuration.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from stockade.controlplane.components import (
    APISERVER,
    COMPONENTS,
    ETCD,
    Component,
    find_components,
    referenced,
)
from stockade.controlplane.kubelet import KUBELET_CONFIG_KIND, find_kubelets, missing_config
from stockade.controlplane.kubeproxy import find_kube_proxies
from stockade.inventory.index import Inventory
from stockade.sources.nodefiles import FLAGS_KIND

KUBELET = "kubelet"
Memo = Callable[[str, Callable[[], Any]], Any]


def _no_memo(key: str, build: Callable[[], Any]) -> Any:
    return build()


KUBE_PROXY = "kube-proxy"

# Configuration files named by kube-apiserver flags: need id -> (flag, kinds of the file).
REFERENCED_CONFIGS: dict[str, tuple[str, tuple[str, ...]]] = {
    "encryption-config": ("encryption-provider-config", ("EncryptionConfiguration",)),
    "audit-policy-file": ("audit-policy-file", ("Policy",)),
    "authorization-config": ("authorization-config", ("AuthorizationConfiguration",)),
    "authentication-config": ("authentication-config", ("AuthenticationConfiguration",)),
    "admission-config": ("admission-control-config-file", ("AdmissionConfiguration",)),
}

ETCD_CONFIG = "etcd-config"
HARDENING_NEEDS = frozenset({*COMPONENTS, KUBELET, KUBE_PROXY, ETCD_CONFIG, *REFERENCED_CONFIGS})
"""Needs that only node and cluster hardening scans report as not evaluated."""

_NOT_VISIBLE = {
    APISERVER: "no kube-apiserver static pod manifest or mirror pod (kube-system/kube-apiserver-*) "
    "in the input; on a managed cluster the control plane is not visible",
    "kube-controller-manager": "no kube-controller-manager static pod manifest or mirror pod in "
    "the input; on a managed cluster the control plane is not visible",
    "kube-scheduler": "no kube-scheduler static pod manifest or mirror pod in the input; on a "
    "managed cluster the control plane is not visible",
    ETCD: "no etcd static pod manifest or mirror pod in the input (etcd may be external or "
    "managed)",
    KUBELET: "no KubeletConfiguration file or kubelet flags (systemd drop-in, kubeadm-flags.env) "
    "in the input",
    KUBE_PROXY: "no KubeProxyConfiguration file or kube-system/kube-proxy ConfigMap in the input",
}


@dataclass(slots=True)
class Visibility:
    """Capabilities the inventory provides, and a reason for each hardening need it does not."""

    provided: set[str] = field(default_factory=set)
    reasons: dict[str, str] = field(default_factory=dict)
    any_node_config: bool = False
    """Whether the input holds any node or control-plane configuration at all."""

    def reason(self, needs: set[str] | frozenset[str]) -> str:
        """Why rules with these unmet needs cannot run."""
        return "; ".join(
            self.reasons.get(n, f"needs {n}, which this source does not provide")
            for n in sorted(needs)
        )


def _referenced_reason(inventory: Inventory, api: Component, need: str) -> str | None:
    flag, kinds = REFERENCED_CONFIGS[need]
    value = api.flags.value(flag)
    if value is None or referenced(inventory, kinds, value) is not None:
        return None
    return (
        f"kube-apiserver --{flag}={value} names a file that is not in the input; "
        f"add it to the scan (or use --node ROOT, which reads it)"
    )


COMPONENTS_MEMO = "control-plane-components"
KUBELETS_MEMO = "kubelets"


def observe(inventory: Inventory, memo: Memo | None = None) -> Visibility:
    """What the inventory shows of the control plane and the kubelet.

    ``memo`` is the scan's `RuleContext.memo`: the components and kubelets found here are then
    shared with the rules instead of being searched for again."""
    seen = Visibility()
    memo = memo or _no_memo
    components: dict[str, list[Component]] = memo(
        COMPONENTS_MEMO, lambda: find_components(inventory)
    )
    for name in COMPONENTS:
        if components[name]:
            seen.provided.add(name)
        else:
            seen.reasons[name] = _NOT_VISIBLE[name]
    apis = components[APISERVER]
    for need in REFERENCED_CONFIGS:
        if not apis:
            seen.reasons[need] = _NOT_VISIBLE[APISERVER]
            continue
        reasons = [r for api in apis if (r := _referenced_reason(inventory, api, need))]
        if reasons:
            seen.reasons[need] = reasons[0]
        else:
            seen.provided.add(need)
    if memo(KUBELETS_MEMO, lambda: find_kubelets(inventory)):
        seen.provided.add(KUBELET)
    else:
        path = missing_config(inventory)
        seen.reasons[KUBELET] = (
            f"kubelet --config={path} names a file that is not in the input; add it to the scan"
            if path
            else _NOT_VISIBLE[KUBELET]
        )
    etcds = components[ETCD]
    unread = [e.flags.value("config-file") for e in etcds if e.config is None]
    unread_paths = [p for p in unread if p]
    if not etcds:
        seen.reasons[ETCD_CONFIG] = _NOT_VISIBLE[ETCD]
    elif unread_paths:
        seen.reasons[ETCD_CONFIG] = (
            f"etcd --config-file={unread_paths[0]} names a file that is not in the input (etcd "
            "then ignores its flags); scan the node with --node ROOT, which reads it"
        )
    else:
        seen.provided.add(ETCD_CONFIG)
    if find_kube_proxies(inventory):
        seen.provided.add(KUBE_PROXY)
    else:
        seen.reasons[KUBE_PROXY] = _NOT_VISIBLE[KUBE_PROXY]
    seen.any_node_config = bool(
        any(components.values())
        or inventory.of_kind(KUBELET_CONFIG_KIND, FLAGS_KIND)
        or inventory.of_kind(
            "EncryptionConfiguration", "AdmissionConfiguration", "KubeProxyConfiguration"
        )
    )
    return seen
