"""The kinds read from a live cluster: every kind a rule or an engine (RBAC, network, PSS) reads."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class KindSpec:
    """One listable kind: its group/version, plural resource name and scope."""

    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool
    metadata_only: bool = False
    """List as PartialObjectMetadata: the server sends metadata only (Secrets)."""

    @property
    def api_version(self) -> str:
        """``v1`` or ``group/version``."""
        return f"{self.group}/{self.version}" if self.group else self.version

    def path(self, namespace: str | None = None) -> str:
        """The list URL path, for all namespaces or one."""
        base = f"/apis/{self.group}/{self.version}" if self.group else f"/api/{self.version}"
        if namespace is not None and self.namespaced:
            return f"{base}/namespaces/{namespace}/{self.resource}"
        return f"{base}/{self.resource}"


def _core(resource: str, kind: str, namespaced: bool = True, **kw: bool) -> KindSpec:
    return KindSpec("", "v1", resource, kind, namespaced, **kw)


LIVE_KINDS: tuple[KindSpec, ...] = (
    _core("namespaces", "Namespace", False),
    _core("nodes", "Node", False),
    _core("pods", "Pod"),
    _core("replicationcontrollers", "ReplicationController"),
    _core("services", "Service"),
    _core("serviceaccounts", "ServiceAccount"),
    _core("configmaps", "ConfigMap"),
    _core("secrets", "Secret", metadata_only=True),
    KindSpec("apps", "v1", "deployments", "Deployment", True),
    KindSpec("apps", "v1", "statefulsets", "StatefulSet", True),
    KindSpec("apps", "v1", "daemonsets", "DaemonSet", True),
    KindSpec("apps", "v1", "replicasets", "ReplicaSet", True),
    KindSpec("batch", "v1", "jobs", "Job", True),
    KindSpec("batch", "v1", "cronjobs", "CronJob", True),
    KindSpec("networking.k8s.io", "v1", "ingresses", "Ingress", True),
    KindSpec("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", True),
    KindSpec("rbac.authorization.k8s.io", "v1", "roles", "Role", True),
    KindSpec("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", True),
    KindSpec("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", False),
    KindSpec("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", False),
    KindSpec(
        "admissionregistration.k8s.io",
        "v1",
        "validatingwebhookconfigurations",
        "ValidatingWebhookConfiguration",
        False,
    ),
    KindSpec(
        "admissionregistration.k8s.io",
        "v1",
        "mutatingwebhookconfigurations",
        "MutatingWebhookConfiguration",
        False,
    ),
    KindSpec(
        "apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", False
    ),
)
"""Listed in this order; the order of objects in a snapshot follows it."""
