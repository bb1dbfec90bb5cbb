"""Real manifests with real policies: they load cleanly and give hand-checked answers."""

from __future__ import annotations

from stockade.inventory import Inventory
from stockade.network.model import NetworkModel
from stockade.network.reach import reach
from stockade.sources.files import load_paths

from .builders import EVERYWHERE, external_in, external_out, ports
from .paths import corpus


def load(name: str) -> NetworkModel:
    result = load_paths([str(corpus(name))])
    assert result.errors == []
    return NetworkModel(Inventory(result.resources))


def test_microservices_demo() -> None:
    # network-policies/: deny-all in default, then one allow policy per service.
    m = load("microservices-demo")
    assert len(m.workloads) == 12 and len(m.policies) == 13
    assert all(not p.issues for p in m.policies)
    # network-policy-cartservice.yaml: from frontend or checkoutservice, TCP 7070.
    assert ports(m, "default/frontend", "default/cartservice") == ["TCP/7070"]
    assert ports(m, "default/checkoutservice", "default/cartservice") == ["TCP/7070"]
    assert ports(m, "default/paymentservice", "default/cartservice") == []
    # network-policy-redis.yaml: only cartservice, TCP 6379.
    sources = sorted(a.id for a, b, _ in m.connections() if b.id == "default/redis-cart")
    assert sources == ["default/cartservice"]
    # network-policy-frontend.yaml: ingress [{}] — everyone, also from outside.
    assert ports(m, "default/loadgenerator", "default/frontend") == ["*"]
    assert external_in(m, "default/frontend") == [(EVERYWHERE, ["*"])]
    assert external_in(m, "default/paymentservice") == []
    r = reach(m, "default/checkoutservice", "default/paymentservice", "50051")
    assert r.allowed and r.decisions[1].allowing == (("default/paymentservice", 0),)


def test_kube_prometheus() -> None:
    # manifests/*-networkPolicy.yaml: every component isolated both ways, egress [{}].
    m = load("kube-prometheus")
    assert len(m.policies) == 8
    ids = {w.id for w in m.workloads}
    assert "monitoring/grafana" in ids and "monitoring/node-exporter" in ids
    # prometheusAdapter-networkPolicy.yaml: ingress [{}].
    assert ports(m, "monitoring/grafana", "monitoring/prometheus-adapter") == ["*"]
    # grafana-networkPolicy.yaml: only prometheus pods (created by the operator, not in the
    # manifests as a workload) on 3000; nothing from outside.
    assert ports(m, "monitoring/kube-state-metrics", "monitoring/grafana") == []
    assert external_in(m, "monitoring/grafana") == []
    assert external_out(m, "monitoring/blackbox-exporter") == [(EVERYWHERE, ["*"])]
    denied = reach(m, "monitoring/grafana", "monitoring/kube-state-metrics", "8443")
    assert not denied.allowed
    assert denied.decisions[1].selecting == ("monitoring/kube-state-metrics",)
    # The Prometheus and Alertmanager policies select operator-made pods: no workload here.
    empty = {m.policies[i].name for i, t in enumerate(m.policy_targets) if not t}
    assert empty == {"prometheus-k8s", "alertmanager-main"}
