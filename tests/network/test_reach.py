"""``reach``: the answer and the policies that decide it."""

from __future__ import annotations

import pytest

from stockade.errors import UsageError
from stockade.network.reach import reach

from .builders import deploy, model_of, netpol, ns

OBJS = [
    ns("shop"),
    deploy("shop", "frontend", {"app": "frontend"}),
    deploy("shop", "payments", {"app": "payments"}, [{"name": "https", "containerPort": 8443}]),
    deploy("shop", "batch", {"app": "batch"}),
    netpol("shop", "default-deny", {"podSelector": {}, "policyTypes": ["Ingress"]}),
    netpol(
        "shop",
        "payments-from-frontend",
        {
            "podSelector": {"matchLabels": {"app": "payments"}},
            "ingress": [
                {"from": [{"ipBlock": {"cidr": "203.0.113.0/24"}}], "ports": [{"port": 9000}]},
                {
                    "from": [{"podSelector": {"matchLabels": {"app": "frontend"}}}],
                    "ports": [{"port": "https"}],
                },
            ],
        },
    ),
]


def test_allowed_names_the_allowing_rule_and_open_egress() -> None:
    r = reach(model_of(OBJS), "shop/frontend", "shop/payments", "8443")
    assert r.allowed
    egress, ingress = r.decisions
    assert not egress.isolated and egress.allowed
    assert ingress.allowing == (("shop/payments-from-frontend", 1),)
    assert "payments-from-frontend" in ingress.explain()


def test_named_port_is_resolved_on_the_destination() -> None:
    r = reach(model_of(OBJS), "shop/frontend", "shop/payments", "https")
    assert (r.protocol, r.port, r.allowed) == ("TCP", 8443, True)


def test_denied_names_the_selecting_policies() -> None:
    r = reach(model_of(OBJS), "shop/batch", "shop/payments", "TCP/8443")
    assert not r.allowed
    ingress = r.decisions[1]
    assert ingress.isolated and not ingress.allowed
    assert set(ingress.selecting) == {"shop/default-deny", "shop/payments-from-frontend"}
    assert "denied" in ingress.explain()


def test_wrong_protocol_is_denied() -> None:
    assert not reach(model_of(OBJS), "shop/frontend", "shop/payments", "UDP/8443").allowed


def test_external_address_as_source() -> None:
    m = model_of(OBJS)
    assert reach(m, "203.0.113.9", "shop/payments", "9000").allowed
    assert not reach(m, "198.51.100.1", "shop/payments", "9000").allowed
    assert len(reach(m, "203.0.113.9", "shop/payments", "9000").decisions) == 1


def test_unknown_workload_and_port_name_are_usage_errors() -> None:
    m = model_of(OBJS)
    with pytest.raises(UsageError, match="no workload"):
        reach(m, "shop/nope", "shop/payments", "80")
    with pytest.raises(UsageError, match="no container port named"):
        reach(m, "shop/frontend", "shop/payments", "grpc")
