"""``stockade net`` end to end, in-process."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from stockade.cli.main import app

from .builders import deploy, netpol, ns

runner = CliRunner()

OBJS = [
    ns("shop"),
    deploy("shop", "frontend", {"app": "frontend"}),
    deploy("shop", "payments", {"app": "payments"}, [{"name": "https", "containerPort": 8443}]),
    deploy("shop", "dns", {"app": "dns"}),
    netpol("shop", "deny", {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
    netpol(
        "shop",
        "payments",
        {
            "podSelector": {"matchLabels": {"app": "payments"}},
            "ingress": [
                {
                    "from": [{"podSelector": {"matchLabels": {"app": "frontend"}}}],
                    "ports": [
                        {"port": "https"},
                        {"port": 8000, "endPort": 8100},
                        {"protocol": "SCTP"},
                    ],
                }
            ],
        },
    ),
    netpol(
        "shop",
        "frontend",
        {
            "podSelector": {"matchLabels": {"app": "frontend"}},
            "policyTypes": ["Egress", "Ingress"],
            "ingress": [{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}], "ports": [{"port": 443}]}],
            "egress": [{"to": [{"podSelector": {}}]}],
        },
    ),
    netpol(
        "shop",
        "dns",
        {
            "podSelector": {"matchLabels": {"app": "dns"}},
            "ingress": [{"ports": [{"port": 53, "protocol": "UDP"}]}],
        },
    ),
]


@pytest.fixture
def manifests(tmp_path: Path) -> str:
    (tmp_path / "all.yaml").write_text(yaml.safe_dump_all(OBJS))
    return str(tmp_path)


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_matrix_json_contract(manifests: str) -> None:
    code, out = invoke("net", "matrix", manifests, "--format", "json")
    assert code == 0
    doc = json.loads(out)
    assert set(doc) == {"connections", "external"}
    assert doc["connections"] == [
        {"from": "shop/frontend", "to": "shop/dns", "ports": ["UDP/53"]},
        {
            "from": "shop/frontend",
            "to": "shop/payments",
            "ports": ["TCP/8000-8100", "TCP/8443", "SCTP/*"],
        },
    ]
    # dns: a rule without `from` admits every source, outside addresses included.
    assert doc["external"]["ingress"] == [
        {"from": ["0.0.0.0/0", "::/0"], "to": "shop/dns", "ports": ["UDP/53"]},
        {"from": ["0.0.0.0/0"], "to": "shop/frontend", "ports": ["TCP/443"]},
    ]
    assert doc["external"]["egress"] == []


def test_unrestricted_pair_is_a_star(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(yaml.safe_dump_all([deploy("a", "x"), deploy("a", "y")]))
    doc = json.loads(invoke("net", "matrix", str(tmp_path), "-f", "json")[1])
    assert doc["connections"][0] == {"from": "a/x", "to": "a/y", "ports": ["*"]}
    assert doc["external"]["egress"][0] == {
        "from": "a/x",
        "to": ["0.0.0.0/0", "::/0"],
        "ports": ["*"],
    }


def test_matrix_group_csv_dot_and_table(manifests: str) -> None:
    doc = json.loads(invoke("net", "matrix", manifests, "-f", "json", "--group")[1])
    names = {g["id"]: g["workloads"] for g in doc["groups"]}
    assert sorted(w for ws in names.values() for w in ws) == [
        "shop/dns",
        "shop/frontend",
        "shop/payments",
    ]
    assert len(doc["connections"]) == 2
    assert all(c["from"] in names and c["to"] in names for c in doc["connections"])
    csv_out = invoke("net", "matrix", manifests, "-f", "csv")[1].splitlines()
    assert csv_out[0] == "from,to,ports" and "shop/frontend,shop/dns,UDP/53" in csv_out
    dot = invoke("net", "matrix", manifests, "-f", "dot")[1]
    assert (
        dot.startswith("digraph network {")
        and '"shop/frontend" -> "shop/dns" [label="UDP/53"];' in dot
    )
    table = invoke("net", "matrix", manifests)[1]
    assert "shop/frontend" in table and "TCP/8000-8100, TCP/8443, SCTP/*" in table


def test_reach_exit_codes_and_explanation(manifests: str) -> None:
    code, out = invoke("net", "reach", "shop/frontend", "shop/payments:https", manifests)
    assert code == 0
    assert out.startswith("yes: shop/frontend -> shop/payments TCP/8443")
    assert "shop/payments (ingress[0])" in out and "shop/frontend (egress[0])" in out
    code, out = invoke("net", "reach", "shop/dns", "shop/payments:8443", manifests)
    assert code == 1 and out.startswith("no:")
    assert "shop/deny" in out
    code, out = invoke("net", "reach", "shop/frontend", "shop/dns:UDP/53", manifests, "-f", "json")
    assert code == 0 and json.loads(out)["allowed"] is True
    assert invoke("net", "reach", "shop/frontend", "203.0.113.1:443", manifests)[0] == 1


def test_reach_usage_errors_exit_2(manifests: str) -> None:
    result = runner.invoke(app, ["net", "reach", "shop/frontend", "shop/payments", manifests])
    assert result.exit_code == 2 and "has no port" in result.stderr
    result = runner.invoke(app, ["net", "reach", "shop/frontnd", "shop/payments:80", manifests])
    assert result.exit_code == 2 and "Did you mean shop/frontend" in result.stderr


def test_exposure_json(manifests: str, tmp_path: Path) -> None:
    svc = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "front", "namespace": "shop"},
        "spec": {"type": "LoadBalancer", "selector": {"app": "frontend"}, "ports": [{"port": 443}]},
    }
    Path(manifests, "svc.yaml").write_text(yaml.safe_dump(svc))
    code, out = invoke("net", "exposure", manifests, "-f", "json")
    assert code == 0
    by = {w["workload"]: w for w in json.loads(out)["workloads"]}
    assert by["shop/frontend"]["ingress"] == [{"from": ["0.0.0.0/0"], "ports": ["TCP/443"]}]
    assert by["shop/frontend"]["entry_points"][0]["via"] == "LoadBalancer"
    assert by["shop/frontend"]["entry_points"][0]["open"] is True
    assert by["shop/payments"]["ingress"] == [] and by["shop/payments"]["entry_points"] == []
    assert (
        "via LoadBalancer Service/shop/front (TCP/443): open"
        in invoke("net", "exposure", manifests)[1]
    )


def test_broken_input_is_reported_and_the_rest_analysed(manifests: str) -> None:
    Path(manifests, "broken.yaml").write_text("kind: [unclosed\n")
    result = runner.invoke(app, ["net", "matrix", manifests, "-f", "json"])
    assert result.exit_code == 2
    assert "broken.yaml" in result.stderr
    assert len(json.loads(result.stdout)["connections"]) == 2


def test_policy_problems_are_warned(tmp_path: Path) -> None:
    bad = netpol("a", "bad", {"podSelector": {}, "ingress": [{"from": [{}]}]})
    (tmp_path / "a.yaml").write_text(yaml.safe_dump_all([deploy("a", "x"), bad]))
    result = runner.invoke(app, ["net", "matrix", str(tmp_path)])
    assert result.exit_code == 0
    assert "NetworkPolicy a/bad" in result.stderr and "matches nothing" in result.stderr
