"""Exposure: outside traffic allowed by policies, and Services/Ingresses pointing at workloads."""

from __future__ import annotations

from typing import Any

from stockade.network.exposure import exposure

from .builders import deploy, model_of, netpol, ns


def service(
    name: str, selector: dict[str, str], type_: str = "ClusterIP", target: Any = 8080
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": "web"},
        "spec": {
            "type": type_,
            "selector": selector,
            "ports": [{"port": 80, "targetPort": target}],
        },
    }


def ingress(backend: str) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "site", "namespace": "web"},
        "spec": {
            "rules": [
                {
                    "host": "shop.example",
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": backend, "port": {"number": 80}}},
                            }
                        ]
                    },
                }
            ]
        },
    }


BASE = [
    ns("web"),
    deploy("web", "site", {"app": "site"}, [{"name": "http", "containerPort": 8080}]),
    deploy("web", "admin", {"app": "admin"}, [{"name": "http", "containerPort": 9090}]),
]


def by_id(objs: list[dict[str, Any]]) -> dict[str, Any]:
    return {e.workload.id: e for e in exposure(model_of(objs))}


def test_load_balancer_selecting_a_workload_is_an_open_entry_point() -> None:
    exp = by_id([*BASE, service("site", {"app": "site"}, "LoadBalancer", "http")])
    [entry] = exp["web/site"].entry_points
    assert (entry.via, entry.ports.labels(), entry.open) == ("LoadBalancer", ["TCP/8080"], True)
    assert exp["web/admin"].entry_points == []


def test_entry_point_closed_when_policy_denies_outside_traffic_on_its_ports() -> None:
    deny = netpol(
        "web",
        "only-internal",
        {"podSelector": {}, "ingress": [{"from": [{"namespaceSelector": {}}]}]},
    )
    exp = by_id([*BASE, service("site", {"app": "site"}, "NodePort"), deny])
    [entry] = exp["web/site"].entry_points
    assert entry.via == "NodePort" and not entry.open
    assert exp["web/site"].ingress == []


def test_ingress_reaches_workloads_through_its_backend_service() -> None:
    exp = by_id(
        [*BASE, service("admin-svc", {"app": "admin"}, target="http"), ingress("admin-svc")]
    )
    [entry] = exp["web/admin"].entry_points
    assert (entry.via, entry.ports.labels()) == ("Ingress", ["TCP/9090"])
    assert exp["web/site"].entry_points == []
