"""One Kubernetes object as loaded from a file, a snapshot or the API, with where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stockade.model import FieldPath, ResourceRef

# Built-in kinds that are not namespaced. Custom resources get their scope from a
# CustomResourceDefinition in the inventory when one is present (see Inventory).
CLUSTER_SCOPED_KINDS = frozenset(
    {
        "APIService",
        "CertificateSigningRequest",
        "ClusterRole",
        "ClusterRoleBinding",
        "ComponentStatus",
        "CSIDriver",
        "CSINode",
        "CustomResourceDefinition",
        "FlowSchema",
        "IngressClass",
        "MutatingAdmissionPolicy",
        "MutatingAdmissionPolicyBinding",
        "MutatingWebhookConfiguration",
        "Namespace",
        "Node",
        "PersistentVolume",
        "PodSecurityPolicy",
        "PriorityClass",
        "PriorityLevelConfiguration",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
        "VolumeAttachment",
        "ClusterIssuer",
        "ClusterTrustBundle",
        "AdminNetworkPolicy",
        "BaselineAdminNetworkPolicy",
        "ClusterNetworkPolicy",
    }
)

CONFIG_GROUPS = frozenset(
    {
        "apiserver.config.k8s.io",
        "apiserver.k8s.io",
        "audit.k8s.io",
        "eventratelimit.admission.k8s.io",
        "kubelet.config.k8s.io",
        "kubeproxy.config.k8s.io",
        "node.stockade.dev",
        "pod-security.admission.config.k8s.io",
    }
)
"""API groups of component configuration files (and Stockade's node kinds): never namespaced."""


@dataclass(frozen=True, slots=True)
class Origin:
    """Where an object came from.

    ``line`` and ``end_line`` are 1-based lines of its document in ``file``; ``base`` is the
    path of the object inside that document (``("items", 3)`` for the fourth item of a List);
    ``live`` marks objects read from a cluster API or a snapshot of one.
    """

    file: str
    line: int | None = None
    end_line: int | None = None
    doc: int = 0
    base: FieldPath = ()
    live: bool = False


def _str_or_none(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


@dataclass(slots=True, eq=False)
class Resource:
    """A Kubernetes object (a plain dict, as the API would serve it) and its origin."""

    obj: dict[str, Any]
    origin: Origin
    api_version: str
    kind: str
    name: str
    namespace: str | None

    @classmethod
    def from_object(cls, obj: dict[str, Any], origin: Origin) -> Resource:
        """Build from a decoded object that has apiVersion, kind and metadata.name."""
        meta = obj.get("metadata")
        meta = meta if isinstance(meta, dict) else {}
        name = meta.get("name")
        if name is None:
            name = meta.get("generateName") or ""
        return cls(
            obj=obj,
            origin=origin,
            api_version=str(obj.get("apiVersion", "")),
            kind=str(obj.get("kind", "")),
            name=str(name),
            namespace=_str_or_none(meta.get("namespace")) or None,
        )

    @property
    def group(self) -> str:
        """The API group, ``""`` for the core group."""
        group, sep, _ = self.api_version.rpartition("/")
        return group if sep else ""

    @property
    def metadata(self) -> dict[str, Any]:
        """The object's metadata mapping (empty when absent or malformed)."""
        meta = self.obj.get("metadata")
        return meta if isinstance(meta, dict) else {}

    @property
    def labels(self) -> dict[str, str]:
        """Labels, as strings; malformed labels read as none."""
        labels = self.metadata.get("labels")
        if not isinstance(labels, dict):
            return {}
        return {str(k): "" if v is None else str(v) for k, v in labels.items()}

    @property
    def annotations(self) -> dict[str, str]:
        """Annotations, as strings; malformed annotations read as none."""
        ann = self.metadata.get("annotations")
        if not isinstance(ann, dict):
            return {}
        return {str(k): "" if v is None else str(v) for k, v in ann.items()}

    @property
    def spec(self) -> dict[str, Any]:
        """The ``spec`` mapping (empty when absent or malformed)."""
        spec = self.obj.get("spec")
        return spec if isinstance(spec, dict) else {}

    @property
    def ref(self) -> ResourceRef:
        """The reference used in findings."""
        return ResourceRef(self.api_version, self.kind, self.namespace, self.name)

    def effective_namespace(self) -> str:
        """The namespace the object lands in: ``default`` when none is given."""
        return self.namespace or "default"

    def display(self) -> str:
        """``Kind/namespace/name``."""
        return self.ref.display()
