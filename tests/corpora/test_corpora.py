"""Real-world manifests: every corpus scans without a crash and without errors for valid files."""

from __future__ import annotations

import pytest

from stockade.scan import scan_paths

from tests.conftest import shared

CORPORA = [
    "microservices-demo",
    "kube-prometheus",
    "argo-cd",
    "kubernetes-examples",
    "istio-samples",
]


@pytest.mark.parametrize("corpus", CORPORA)
def test_corpus_scans_clean(corpus: str) -> None:
    result = scan_paths([str(shared("corpora", corpus))])
    assert not result.errors, result.errors[:5]
    assert result.resources > 0
    for f in result.findings:
        assert f.location.file and f.location.line and f.location.line >= 1


def test_corpus_counts_match_the_readme() -> None:
    # The corpora README counts 827 documents; *List documents expand to their 39 + items.
    result = scan_paths([str(shared("corpora"))])
    assert result.files == 491
    assert result.resources + result.skipped_documents >= 827
    # 6 Skaffold Config and 3 IstioOperator documents are tool configuration, not API objects.
    assert result.skipped_documents == 9


def test_kube_prometheus_known_findings() -> None:
    result = scan_paths([str(shared("corpora", "kube-prometheus", "manifests"))])
    node_exporter = [
        f
        for f in result.findings
        if f.resource.name == "node-exporter" and f.resource.kind == "DaemonSet"
    ]
    rules = {f.rule for f in node_exporter}
    # node-exporter runs with the host's network and PID namespaces and mounts / and /sys.
    assert {"host-network", "host-pid", "host-path-volume"} <= rules
    grafana_secret = [f for f in result.findings if f.rule == "plaintext-secret-manifest"]
    assert grafana_secret
