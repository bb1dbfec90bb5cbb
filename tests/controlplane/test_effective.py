"""Effective kubelet values (file defaults differ from flag defaults) and visibility."""

from __future__ import annotations

from typing import Any

from stockade.inventory.index import Inventory
from stockade.inventory.resource import Origin, Resource
from stockade.model import ScanResult
from stockade.scan import ScanSettings, scan_inventory
from stockade.sources.files import documents_to_resources
from stockade.sources.nodefiles import flag_resources, split_flags
from stockade.sources.yamlload import load_yaml

CFG = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n"


def _config(extra: str = "") -> list[Resource]:
    loaded = documents_to_resources(load_yaml(CFG + extra), "config.yaml")
    assert not loaded.errors
    return loaded.resources


def _flags(line: str) -> list[Resource]:
    return flag_resources(line, "kubeadm-flags.env")


def _rules(resources: list[Resource], **kw: Any) -> set[str]:
    result: ScanResult = scan_inventory(Inventory(resources), ScanSettings(**kw))
    return {f.rule for f in result.findings}


def test_config_file_defaults_are_secure_for_auth() -> None:
    fired = _rules(_config())
    assert "kubelet-anonymous-auth" not in fired  # omitted field: false
    assert "kubelet-authorization-mode" not in fired  # omitted field: Webhook
    assert "kubelet-read-only-port" not in fired  # omitted field: 0
    assert "kubelet-exposed" not in fired


def test_omitted_rotate_certificates_is_false() -> None:
    assert "kubelet-rotate-certificates" in _rules(_config())
    assert "kubelet-rotate-certificates" not in _rules(_config("rotateCertificates: true\n"))


def test_flags_only_kubelet_uses_flag_defaults() -> None:
    fired = _rules(_flags('KUBELET_EXTRA_ARGS="--node-ip=10.0.0.1"'))
    assert {
        "kubelet-anonymous-auth",
        "kubelet-authorization-mode",
        "kubelet-read-only-port",
        "kubelet-exposed",
    } <= fired


def test_flags_override_file_both_ways() -> None:
    secure_file = _config("readOnlyPort: 0\n")
    assert "kubelet-read-only-port" in _rules(
        secure_file + _flags('KUBELET_EXTRA_ARGS="--read-only-port=10255"')
    )
    weak_file = _config("authentication:\n  anonymous:\n    enabled: true\n")
    assert "kubelet-anonymous-auth" in _rules(weak_file)
    assert "kubelet-anonymous-auth" not in _rules(
        weak_file + _flags('KUBELET_EXTRA_ARGS="--anonymous-auth=false"')
    )


def test_later_variable_wins() -> None:
    text = (
        'Environment="KUBELET_EXTRA_ARGS=--anonymous-auth=false"\n'
        'Environment="KUBELET_CONFIG_ARGS=--anonymous-auth=true"\n'
    )
    res = flag_resources(text, "10-kubeadm.conf")
    assert "kubelet-anonymous-auth" not in _rules(_config() + res)


def test_flag_forms() -> None:
    flags = split_flags(
        ["kube-apiserver", "--a=1", "--b", "2", "--profiling", "false", "-c", "x", "--a=3"]
    )
    assert [(f.name, f.value) for f in flags] == [
        ("a", "1"),
        ("b", "2"),
        ("profiling", None),
        ("c", "x"),
        ("a", "3"),
    ]


def _apiserver(*args: str) -> Resource:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "kube-apiserver", "namespace": "kube-system"},
        "spec": {"containers": [{"name": "kube-apiserver", "command": ["kube-apiserver", *args]}]},
    }
    return Resource.from_object(obj, Origin("kube-apiserver.yaml", line=1))


def test_apiserver_defaults_both_ways() -> None:
    fired = _rules([_apiserver()])
    assert "apiserver-authorization-always-allow" in fired  # no mode: AlwaysAllow
    assert "apiserver-service-account-lookup" not in fired  # default true
    assert "apiserver-always-admit" not in fired
    assert "apiserver-service-account-admission" not in fired  # on by default
    fired = _rules(
        [
            _apiserver(
                "--authorization-mode",
                "Node,RBAC",
                "--enable-admission-plugins=NodeRestriction",
                "--enable-admission-plugins=AlwaysAdmit",
            )
        ]
    )
    assert "apiserver-authorization-always-allow" not in fired
    assert "apiserver-node-restriction" not in fired  # repeated list flags accumulate
    assert "apiserver-always-admit" in fired


def test_plain_manifest_scan_stays_quiet() -> None:
    dep = Resource.from_object(
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": "a"}},
        Origin("cm.yaml", line=1),
    )
    assert scan_inventory(Inventory([dep])).not_evaluated == []
    result = scan_inventory(Inventory([dep]), ScanSettings(hardening=True))
    missing = {r for ne in result.not_evaluated for r in ne.rules}
    assert {"apiserver-anonymous-auth", "kubelet-exposed", "encryption-at-rest"} <= missing
    assert not any(f.category.value == "control-plane" for f in result.findings)


def test_referenced_file_absent_is_not_evaluated() -> None:
    api = _apiserver("--encryption-provider-config=/etc/kubernetes/enc.yaml")
    result = scan_inventory(Inventory([api]), ScanSettings(hardening=True))
    assert "encryption-at-rest" not in {f.rule for f in result.findings}
    reasons = [ne.reason for ne in result.not_evaluated if "encryption-at-rest" in ne.rules]
    assert reasons and "/etc/kubernetes/enc.yaml" in reasons[0]


def test_config_kinds_load_without_name_but_objects_still_need_one() -> None:
    assert _config()[0].name == "config.yaml"
    bad = documents_to_resources(load_yaml("apiVersion: v1\nkind: ConfigMap\n"), "cm.yaml")
    assert bad.errors and "metadata.name" in bad.errors[0].message
