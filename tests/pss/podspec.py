"""Pods for PSS unit tests: a minimal pod that the restricted level allows at every version."""

from __future__ import annotations

import copy
from typing import Any

from stockade.pss import Level, PssEvaluation, evaluate_pod, parse_version


def _container(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": "registry.k8s.io/pause",
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
    }


def restricted_pod() -> dict[str, Any]:
    """metadata + spec of a pod that passes restricted at every version."""
    return {
        "metadata": {"name": "p"},
        "spec": {
            "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
            "initContainers": [_container("init")],
            "containers": [_container("app")],
        },
    }


def plain_pod() -> dict[str, Any]:
    """A pod with no security settings at all: baseline allows it, restricted does not."""
    return {
        "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "app", "image": "nginx"}]},
    }


def evaluate(pod: dict[str, Any], level: str, version: str = "latest") -> PssEvaluation:
    """Evaluate a pod, checking that the engine leaves its input untouched."""
    before = copy.deepcopy(pod)
    result = evaluate_pod(pod["metadata"], pod["spec"], Level(level), parse_version(version))
    assert pod == before, "the evaluator mutated its input"
    return result


def checks(pod: dict[str, Any], level: str, version: str = "latest") -> list[str]:
    """The ids of the violated checks, in PSA's order."""
    return [v.check for v in evaluate(pod, level, version).violations]


def sc(pod: dict[str, Any], where: str = "app") -> dict[str, Any]:
    """The securityContext of the pod (``where="pod"``) or of the named container."""
    spec = pod["spec"]
    if where == "pod":
        return spec.setdefault("securityContext", {})  # type: ignore[no-any-return]
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in spec.get(key, []):
            if c["name"] == where:
                return c.setdefault("securityContext", {})  # type: ignore[no-any-return]
    raise KeyError(where)
