"""kube-proxy's configuration: a KubeProxyConfiguration file, or the ``config.conf`` key of the
kube-system/kube-proxy ConfigMap that kubeadm writes (as a live cluster or snapshot lists it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml

from stockade.inventory.index import Inventory
from stockade.inventory.resource import Resource
from stockade.model import FieldPath

KUBE_PROXY_KIND = "KubeProxyConfiguration"
DEFAULT_METRICS_BIND = "127.0.0.1:10249"
"""``metricsBindAddress`` when empty or omitted (kube-proxy v1alpha1 defaults)."""


@dataclass(frozen=True, slots=True)
class KubeProxy:
    """One kube-proxy configuration and where to point findings."""

    config: dict[str, Any]
    resource: Resource
    base: FieldPath

    def metrics_bind_address(self) -> tuple[str, bool]:
        """The effective metrics address and whether it was written."""
        value = self.config.get("metricsBindAddress")
        if isinstance(value, str) and value.strip():
            return value.strip(), True
        return DEFAULT_METRICS_BIND, False


def find_kube_proxies(inventory: Inventory) -> list[KubeProxy]:
    """KubeProxyConfiguration files and kube-proxy ConfigMaps in the inventory."""
    out = [KubeProxy(r.obj, r, ()) for r in inventory.of_kind(KUBE_PROXY_KIND)]
    for cm in inventory.of_kind("ConfigMap"):
        if cm.name != "kube-proxy" or cm.namespace != "kube-system":
            continue
        data = cm.obj.get("data")
        text = data.get("config.conf") if isinstance(data, dict) else None
        if not isinstance(text, str):
            continue
        try:
            parsed = yaml.load(text, Loader=yaml.CSafeLoader)
        except yaml.YAMLError:
            continue
        if isinstance(parsed, dict) and parsed.get("kind") == KUBE_PROXY_KIND:
            out.append(KubeProxy(parsed, cm, ("data", "config.conf")))
    return out
