"""Reading a pod spec as PSA sees it: typed lookups that treat malformed values as unset."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from stockade.model import FieldPath

_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one (absent counts as unset)."""
    return value if isinstance(value, Mapping) else {}


def containers(spec: Mapping[str, Any]) -> Iterator[tuple[FieldPath, str, Mapping[str, Any]]]:
    """(path, name, container) for init, regular and ephemeral containers, PSA's visiting order."""
    for list_name in _CONTAINER_LISTS:
        items = spec.get(list_name)
        if not isinstance(items, list):
            continue
        for i, c in enumerate(items):
            if isinstance(c, Mapping):
                yield ("spec", list_name, i), str(c.get("name", "")), c


def security_context(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    """The securityContext of a pod spec or container."""
    return mapping(obj.get("securityContext"))


def is_windows(spec: Mapping[str, Any]) -> bool:
    """Only ``spec.os.name`` marks a Windows pod."""
    return mapping(spec.get("os")).get("name") == "windows"


def user_namespaced(spec: Mapping[str, Any]) -> bool:
    """``spec.hostUsers`` explicitly false (KEP-127 relaxations)."""
    return spec.get("hostUsers") is False


def pod_annotations(meta: Mapping[str, Any]) -> Mapping[str, Any]:
    """Pod annotations."""
    return mapping(meta.get("annotations"))
