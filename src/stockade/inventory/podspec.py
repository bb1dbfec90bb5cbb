"""The one place that finds pod templates in workload kinds and walks their containers.

Every rule that looks at pods sees a `PodTemplate`: the pod spec and metadata of a Pod, or of
the template inside a Deployment, CronJob, …, with the field path of each so findings point at
the right line. Init and ephemeral containers count as containers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar, cast

from stockade.inventory.resource import Resource
from stockade.model import FieldPath

T = TypeVar("T")

# kind -> path of the pod template (metadata + spec) inside the object. ``()`` means the
# object itself is the pod.
POD_TEMPLATE_PATHS: dict[str, FieldPath] = {
    "Pod": (),
    "Deployment": ("spec", "template"),
    "StatefulSet": ("spec", "template"),
    "DaemonSet": ("spec", "template"),
    "ReplicaSet": ("spec", "template"),
    "ReplicationController": ("spec", "template"),
    "Job": ("spec", "template"),
    "CronJob": ("spec", "jobTemplate", "spec", "template"),
    "PodTemplate": ("template",),
}

POD_BEARING_KINDS = frozenset(POD_TEMPLATE_PATHS)

ContainerKind = Literal["container", "initContainer", "ephemeralContainer"]

_CONTAINER_LISTS: tuple[tuple[str, ContainerKind], ...] = (
    ("initContainers", "initContainer"),
    ("containers", "container"),
    ("ephemeralContainers", "ephemeralContainer"),
)

# How messages name a container of each list, keyed by the field name of the list.
CONTAINER_LIST_LABELS: dict[str, str] = {
    "initContainers": "init container",
    "containers": "container",
    "ephemeralContainers": "ephemeral container",
}
_KIND_LABELS: dict[str, str] = {
    kind: CONTAINER_LIST_LABELS[name] for name, kind in _CONTAINER_LISTS
}


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


@dataclass(frozen=True, slots=True)
class Container:
    """One container of a pod template, with its absolute field path in the resource."""

    name: str
    kind: ContainerKind
    spec: dict[str, Any]
    path: FieldPath

    @property
    def security_context(self) -> dict[str, Any]:
        """The container's securityContext (empty when absent)."""
        return _dict(self.spec.get("securityContext"))

    @property
    def image(self) -> str | None:
        """The image reference, when it is a string."""
        image = self.spec.get("image")
        return image if isinstance(image, str) else None

    @property
    def resources(self) -> dict[str, Any]:
        """The container's resources (empty when absent)."""
        return _dict(self.spec.get("resources"))

    def list_field(self, name: str) -> list[Any]:
        """A list-valued field of the container; malformed values read as empty."""
        value = self.spec.get(name)
        return value if isinstance(value, list) else []

    def describe(self) -> str:
        """``container "web"`` / ``init container "setup"`` for messages."""
        return f'{_KIND_LABELS[self.kind]} "{self.name}"'


@dataclass(slots=True)
class PodTemplate:
    """A pod spec and its metadata inside a resource, with their field paths."""

    resource: Resource
    base: FieldPath
    spec: dict[str, Any]
    meta: dict[str, Any]
    _containers: list[Container] | None = field(default=None, repr=False)
    _memo: dict[str, Any] | None = field(default=None, repr=False)

    def memo(self, key: str, compute: Callable[[], T]) -> T:
        """``compute()`` once per template: results many rules share (one PSS evaluation)."""
        if self._memo is None:
            self._memo = {}
        if key not in self._memo:
            self._memo[key] = compute()
        return cast(T, self._memo[key])

    @property
    def spec_path(self) -> FieldPath:
        """Absolute path of the pod spec in the resource."""
        return (*self.base, "spec")

    @property
    def meta_path(self) -> FieldPath:
        """Absolute path of the pod metadata in the resource."""
        return (*self.base, "metadata")

    @property
    def namespace(self) -> str:
        """The namespace the pods run in."""
        return self.resource.effective_namespace()

    @property
    def labels(self) -> dict[str, str]:
        """Pod labels, as strings."""
        labels = self.meta.get("labels")
        if not isinstance(labels, dict):
            return {}
        return {str(k): "" if v is None else str(v) for k, v in labels.items()}

    @property
    def annotations(self) -> dict[str, str]:
        """Pod annotations, as strings."""
        ann = self.meta.get("annotations")
        if not isinstance(ann, dict):
            return {}
        return {str(k): "" if v is None else str(v) for k, v in ann.items()}

    @property
    def security_context(self) -> dict[str, Any]:
        """The pod-level securityContext (empty when absent)."""
        return _dict(self.spec.get("securityContext"))

    @property
    def service_account(self) -> str:
        """The service account the pods run as (``default`` when unset)."""
        name = self.spec.get("serviceAccountName") or self.spec.get("serviceAccount")
        return str(name) if name else "default"

    def containers(self) -> list[Container]:
        """Init, regular and ephemeral containers, in that order; computed once."""
        if self._containers is None:
            found: list[Container] = []
            for list_name, kind in _CONTAINER_LISTS:
                items = self.spec.get(list_name)
                if not isinstance(items, list):
                    continue
                for i, c in enumerate(items):
                    if isinstance(c, dict):
                        found.append(
                            Container(
                                name=str(c.get("name", f"#{i}")),
                                kind=kind,
                                spec=c,
                                path=(*self.spec_path, list_name, i),
                            )
                        )
            self._containers = found
        return self._containers

    def volumes(self) -> list[tuple[int, dict[str, Any]]]:
        """(index, volume) pairs of well-formed volumes."""
        vols = self.spec.get("volumes")
        if not isinstance(vols, list):
            return []
        return [(i, v) for i, v in enumerate(vols) if isinstance(v, dict)]


def pod_template(resource: Resource) -> PodTemplate | None:
    """The pod template of a pod-bearing resource, or None for other kinds or malformed ones."""
    base = POD_TEMPLATE_PATHS.get(resource.kind)
    if base is None:
        return None
    node: Any = resource.obj
    for part in base:
        node = node.get(part) if isinstance(node, dict) else None
    if not isinstance(node, dict):
        return None
    spec = node.get("spec")
    if not isinstance(spec, dict):
        return None
    return PodTemplate(resource=resource, base=base, spec=spec, meta=_dict(node.get("metadata")))
