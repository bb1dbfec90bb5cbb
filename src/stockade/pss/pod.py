"""Reading a pod spec as PSA sees it: typed lookups that treat malformed values as unset."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from types import MappingProxyType
from typing import Any, TypeVar

from stockade.model import FieldPath

_CONTAINER_LISTS = ("initContainers", "containers", "ephemeralContainers")


_R = TypeVar("_R")
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` when it is a mapping, else an empty one (absent counts as unset)."""
    # NOTE: the exact-type test first: isinstance against the Mapping ABC is slow, and parsed
    # YAML is plain dicts.
    if value.__class__ is dict:
        return value
    return value if isinstance(value, Mapping) else _EMPTY


ContainerEntry = tuple[FieldPath, str, Mapping[str, Any]]

# The containers of the pod being evaluated: every check walks them, so ``evaluate_pod`` lists
# them once per pod. A ContextVar keeps concurrent evaluations (threads, tasks) apart.
_visiting: ContextVar[tuple[Mapping[str, Any], tuple[ContainerEntry, ...]] | None] = ContextVar(
    "stockade_pss_visiting", default=None
)


def _walk(spec: Mapping[str, Any]) -> tuple[ContainerEntry, ...]:
    out: list[ContainerEntry] = []
    for list_name in _CONTAINER_LISTS:
        items = spec.get(list_name)
        if not isinstance(items, list):
            continue
        for i, c in enumerate(items):
            if c.__class__ is dict or isinstance(c, Mapping):
                out.append((("spec", list_name, i), str(c.get("name", "")), c))
    return tuple(out)


def call_visiting(
    fn: Callable[[Mapping[str, Any], Mapping[str, Any]], _R],
    meta: Mapping[str, Any],
    spec: Mapping[str, Any],
    listed: tuple[ContainerEntry, ...],
) -> _R:
    """``fn(meta, spec)`` with ``listed`` as the containers of ``spec``: `visiting` for one call,
    without a context manager's cost (run once per check and pod)."""
    token = _visiting.set((spec, listed))
    try:
        return fn(meta, spec)
    finally:
        _visiting.reset(token)


def list_containers(spec: Mapping[str, Any]) -> tuple[ContainerEntry, ...]:
    """The containers of ``spec`` as `visiting` lists them, for `call_visiting`."""
    return _walk(spec)


def containers(spec: Mapping[str, Any]) -> tuple[ContainerEntry, ...]:
    """(path, name, container) for init, regular and ephemeral containers, PSA's visiting order."""
    current = _visiting.get()
    if current is not None and current[0] is spec:
        return current[1]
    return _walk(spec)


@contextmanager
def visiting(spec: Mapping[str, Any]) -> Iterator[None]:
    """List the containers of ``spec`` once for the checks run inside this block."""
    token = _visiting.set((spec, _walk(spec)))
    try:
        yield
    finally:
        _visiting.reset(token)


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
