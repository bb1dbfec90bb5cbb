"""Which secrets each pod template uses: volumes, projected sources, env and envFrom.

A pod that uses a secret exposes its value to anyone who can exec into the pod (or reach it
through the kubelet). ``imagePullSecrets`` are used by the kubelet, not the containers, so they
do not count.
"""

from __future__ import annotations

from typing import Any

from stockade.inventory import PodTemplate


def _name(ref: Any, key: str = "name") -> str | None:
    if isinstance(ref, dict):
        value = ref.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def secrets_used(pt: PodTemplate) -> set[str]:
    """Names of secrets the pod template mounts or reads into its environment."""
    found: set[str] = set()
    for _, vol in pt.volumes():
        name = _name(vol.get("secret"), "secretName")
        if name:
            found.add(name)
        projected = vol.get("projected")
        sources = projected.get("sources") if isinstance(projected, dict) else None
        for src in sources if isinstance(sources, list) else []:
            name = _name(src.get("secret")) if isinstance(src, dict) else None
            if name:
                found.add(name)
    for c in pt.containers():
        for env in c.list_field("env"):
            value_from = env.get("valueFrom") if isinstance(env, dict) else None
            name = _name(value_from.get("secretKeyRef")) if isinstance(value_from, dict) else None
            if name:
                found.add(name)
        for env_from in c.list_field("envFrom"):
            name = _name(env_from.get("secretRef")) if isinstance(env_from, dict) else None
            if name:
                found.add(name)
    return found
