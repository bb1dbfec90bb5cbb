"""Small builders for hand-written network fixtures."""

from __future__ import annotations

from typing import Any

from stockade.inventory import Inventory, Origin, Resource
from stockade.network.model import NetworkModel


def ns(name: str, **labels: str) -> dict[str, Any]:
    """A Namespace."""
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}


def deploy(
    namespace: str,
    name: str,
    labels: dict[str, str] | None = None,
    ports: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A Deployment whose pods carry ``labels`` (default ``app: name``) and container ``ports``."""
    labels = labels if labels is not None else {"app": name}
    container: dict[str, Any] = {"name": "main", "image": "registry.example/app:1"}
    if ports:
        container["ports"] = ports
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "selector": {"matchLabels": labels},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }


def netpol(namespace: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A NetworkPolicy."""
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def ports(model: NetworkModel, src: str, dst: str) -> list[str]:
    """Contract labels of what ``src`` may open towards ``dst`` (``[]`` = nothing)."""
    return model.ports(model.group_of[src], model.group_of[dst]).labels()


def external_in(model: NetworkModel, wid: str) -> list[tuple[list[str], list[str]]]:
    """(CIDRs, port labels) allowed in from outside the cluster."""
    return [(a.cidrs(), p.labels()) for a, p in model.external_ingress(model.group_of[wid])]


def external_out(model: NetworkModel, wid: str) -> list[tuple[list[str], list[str]]]:
    """(CIDRs, port labels) allowed out to outside the cluster."""
    return [(a.cidrs(), p.labels()) for a, p in model.external_egress(model.group_of[wid])]


ALL = ["*"]
NONE: list[str] = []
EVERYWHERE = ["0.0.0.0/0", "::/0"]


def inventory_of(objs: list[dict[str, Any]]) -> Inventory:
    """An inventory built from decoded objects."""
    return Inventory(
        Resource.from_object(o, Origin("test.yaml", line=i + 1)) for i, o in enumerate(objs)
    )


def model_of(objs: list[dict[str, Any]]) -> NetworkModel:
    """The network model of decoded objects."""
    return NetworkModel(inventory_of(objs))
