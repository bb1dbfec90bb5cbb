"""The node fixture trees: every check fires on the broken tree and none on the hardened one."""

from __future__ import annotations

from pathlib import Path

import pytest

from stockade.model import Category, ScanResult
from stockade.rules.catalogue import load_catalogue
from stockade.scan import ScanSettings, scan_load_result
from stockade.sources.nodefiles import load_node

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "node"


def _scan(tree: str) -> ScanResult:
    root = FIXTURES / tree
    assert root.is_dir(), root
    return scan_load_result(load_node(root), ScanSettings(hardening=True))


def _hardening_rules() -> set[str]:
    return {r.id for r in load_catalogue() if r.meta.category is Category.CONTROL_PLANE}


def _fired(result: ScanResult) -> set[str]:
    return {f.rule for f in result.findings if f.category is Category.CONTROL_PLANE}


def test_every_check_fires_on_broken_tree() -> None:
    result = _scan("broken")
    assert not result.errors
    assert not result.not_evaluated
    assert _hardening_rules() - _fired(result) == set()


def test_hardened_tree_is_quiet() -> None:
    result = _scan("hardened")
    assert not result.errors
    assert not result.not_evaluated
    assert _fired(result) == set()


def test_kubeadm_default_fails_known_gaps_only() -> None:
    fired = _fired(_scan("kubeadm"))
    # kubeadm sets these; judging them failed would be a false failure.
    for ok in (
        "apiserver-authorization-always-allow",
        "apiserver-authorization-node",
        "apiserver-authorization-rbac",
        "apiserver-node-restriction",
        "controller-manager-bind-address",
        "scheduler-bind-address",
        "etcd-client-cert-auth",
        "etcd-unique-ca",
        "kubelet-anonymous-auth",
        "kubelet-authorization-mode",
        "kubelet-read-only-port",
        "kubelet-rotate-certificates",
        "kubelet-streaming-idle-timeout",
        "kubelet-exposed",
    ):
        assert ok not in fired, ok
    # kubeadm leaves these at insecure defaults; missing them would be a false pass.
    for bad in (
        "apiserver-anonymous-auth",
        "apiserver-profiling",
        "apiserver-audit-log-path",
        "encryption-at-rest",
        "audit-policy",
        "apiserver-service-account-extend-token-expiration",
        "kubelet-seccomp-default",
        "kubelet-pod-pids-limit",
    ):
        assert bad in fired, bad


def test_findings_name_file_line_flag_and_cis() -> None:
    result = _scan("broken")
    f = next(f for f in result.findings if f.rule == "apiserver-authorization-always-allow")
    assert f.location.file is not None and f.location.file.endswith("kube-apiserver.yaml")
    text = (FIXTURES / "broken/etc/kubernetes/manifests/kube-apiserver.yaml").read_text()
    assert "--authorization-mode=AlwaysAllow" in text.splitlines()[(f.location.line or 0) - 1]
    assert "AlwaysAllow" in f.message and "Node" in f.message
    assert f.frameworks["cis"] == ["1.2.6"]
    env = next(f for f in result.findings if f.rule == "kubelet-hostname-override")
    assert env.location.file is not None and env.location.file.endswith("kubeadm-flags.env")
    assert env.location.line == 1


def test_no_key_material_in_output() -> None:
    from stockade.report import OutputFormat, reporter_for

    result = _scan("broken")
    out = reporter_for(OutputFormat.JSON).format(result, load_catalogue())
    assert "c2VjcmV0LWtleS1tYXRlcmlhbC0xMjM0NTY3ODkwMTI=" not in out
    assert "embedded" in out


@pytest.mark.parametrize("tree", ["kubeadm", "hardened", "broken"])
def test_mirror_pods_get_the_same_checks(tree: str) -> None:
    """A live cluster lists the static pods as mirror pods named kube-apiserver-<node>."""
    from stockade.inventory.index import Inventory
    from stockade.inventory.resource import Origin, Resource
    from stockade.scan import scan_inventory

    loaded = load_node(FIXTURES / tree)
    live = []
    for r in loaded.resources:
        if r.kind == "Pod":
            obj = {**r.obj, "metadata": {**r.obj["metadata"], "name": r.name + "-cp1"}}
            live.append(Resource.from_object(obj, Origin("cluster", live=True)))
    from_files = {
        f.rule
        for f in scan_load_result(loaded, ScanSettings(hardening=True)).findings
        if f.resource.kind == "Pod" and f.category is Category.CONTROL_PLANE
    }
    live_result = scan_inventory(Inventory(live), ScanSettings(hardening=True))
    from_live = {f.rule for f in live_result.findings if f.category is Category.CONTROL_PLANE}
    assert from_live == from_files
    assert any("kubelet" in ne.reason for ne in live_result.not_evaluated)


def test_configuration_files_get_no_namespace_findings() -> None:
    result = _scan("hardened")
    assert [f for f in result.findings if f.resource.kind != "Pod"] == []
