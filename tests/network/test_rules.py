"""The network rules in a scan: scope, messages, and one model per scan."""

from __future__ import annotations

from typing import Any

import pytest

from stockade.network import model as model_module
from stockade.policy.config import Config
from stockade.scan import ScanSettings, scan_inventory

from .builders import deploy, inventory_of, netpol, ns

NETWORK_RULES = [
    "netpol-no-default-deny-ingress",
    "netpol-no-default-deny-egress",
    "netpol-pod-unselected",
    "netpol-selects-nothing",
    "netpol-egress-internet",
    "ingress-without-tls",
    "dashboard-exposed",
]


def findings(
    objs: list[dict[str, Any]], rules: list[str] | None = None
) -> list[tuple[str, str, str]]:
    cfg = Config()
    cfg = cfg.model_copy(
        update={"rules": cfg.rules.model_copy(update={"only": rules or NETWORK_RULES})}
    )
    result = scan_inventory(inventory_of(objs), ScanSettings(config=cfg))
    assert not result.errors, result.errors
    return sorted((f.rule, f.resource.display(), f.message) for f in result.findings)


def test_default_deny_is_checked_per_namespace_with_workloads() -> None:
    objs = [
        ns("a"),
        ns("empty"),
        deploy("a", "web"),
        deploy("b", "api"),  # namespace b is never declared
        netpol("a", "deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
    ]
    got = findings(objs, ["netpol-no-default-deny-ingress", "netpol-no-default-deny-egress"])
    assert [(r, res) for r, res, _ in got] == [
        ("netpol-no-default-deny-egress", "Deployment/b/api"),
        ("netpol-no-default-deny-ingress", "Deployment/b/api"),
    ]
    assert "namespace 'b'" in got[0][2] and "1 of 1 workloads" in got[0][2]


def test_unselected_and_selects_nothing() -> None:
    objs = [
        ns("a"),
        deploy("a", "web"),
        deploy("a", "db"),
        netpol("a", "db", {"podSelector": {"matchLabels": {"app": "db"}}}),
        netpol("a", "typo", {"podSelector": {"matchLabels": {"app": "wbe"}}}),
    ]
    got = findings(objs, ["netpol-pod-unselected", "netpol-selects-nothing"])
    assert [(r, res) for r, res, _ in got] == [
        ("netpol-pod-unselected", "Deployment/a/web"),
        ("netpol-selects-nothing", "NetworkPolicy/a/typo"),
    ]
    assert "app=wbe" in got[1][2]


def test_egress_internet_names_the_cause() -> None:
    objs = [
        ns("a"),
        deploy("a", "open"),
        deploy("a", "ruled", {"app": "ruled"}),
        deploy("a", "closed", {"app": "closed"}),
        netpol(
            "a",
            "ruled",
            {
                "podSelector": {"matchLabels": {"app": "ruled"}},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}],
            },
        ),
        netpol(
            "a",
            "closed",
            {
                "podSelector": {"matchLabels": {"app": "closed"}},
                "policyTypes": ["Egress"],
                "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/1"}}]}],
            },
        ),
    ]
    got = findings(objs, ["netpol-egress-internet"])
    assert [res for _, res, _ in got] == ["Deployment/a/open", "Deployment/a/ruled"]
    assert "no NetworkPolicy selects it" in got[0][2]
    assert "169.254.169.254" in got[1][2] and "0.0.0.0/0" in got[1][2]


def test_dashboard_behind_a_denying_policy_is_not_exposed() -> None:
    dash = deploy("kd", "kubernetes-dashboard", {"k8s-app": "kubernetes-dashboard"})
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "kd", "namespace": "kd"},
        "spec": {
            "type": "LoadBalancer",
            "selector": {"k8s-app": "kubernetes-dashboard"},
            "ports": [{"port": 443, "targetPort": 8443}],
        },
    }
    deny = netpol("kd", "deny", {"podSelector": {}, "ingress": [{"from": [{"podSelector": {}}]}]})
    assert [r for r, _, _ in findings([dash, svc], ["dashboard-exposed"])] == ["dashboard-exposed"]
    assert findings([dash, svc, deny], ["dashboard-exposed"]) == []


def test_the_model_is_built_once_per_scan(monkeypatch: pytest.MonkeyPatch) -> None:
    built = []
    original = model_module.NetworkModel.__init__

    def counting(self: model_module.NetworkModel, inventory: object) -> None:
        built.append(1)
        original(self, inventory)  # type: ignore[arg-type]

    monkeypatch.setattr(model_module.NetworkModel, "__init__", counting)
    findings([ns("a"), deploy("a", "web")])
    assert len(built) == 1


def test_wildcard_tls_covers_one_label_only() -> None:
    ing = {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": {"name": "site", "namespace": "web"},
        "spec": {
            "tls": [{"hosts": ["*.example.com"], "secretName": "wild"}],
            "rules": [
                {"host": "shop.example.com"},
                {"host": "a.b.example.com"},
                {"host": "example.com"},
            ],
        },
    }
    got = findings([ing], ["ingress-without-tls"])
    assert [m for _, _, m in got] == [
        "Ingress host 'a.b.example.com' has no TLS: add it to spec.tls",
        "Ingress host 'example.com' has no TLS: add it to spec.tls",
    ]
