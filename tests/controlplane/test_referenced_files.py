"""Checks on the files the API server flags name, and structured configuration."""

from __future__ import annotations

from stockade.inventory.index import Inventory
from stockade.inventory.resource import Origin, Resource
from stockade.model import Finding
from stockade.scan import ScanSettings, scan_inventory
from stockade.sources.files import documents_to_resources
from stockade.sources.yamlload import load_yaml


def _pod(name: str, *args: str, command: bool = True) -> Resource:
    container: dict[str, object] = {"name": name}
    if command:
        container["command"] = [name, *args]
    else:
        container["args"] = list(args)
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": f"{name}-cp1", "namespace": "kube-system"},
        "spec": {"containers": [container]},
    }
    return Resource.from_object(obj, Origin(f"{name}.yaml", line=1))


def _doc(text: str, file: str) -> list[Resource]:
    loaded = documents_to_resources(load_yaml(text), file)
    assert not loaded.errors, loaded.errors
    return loaded.resources


def _findings(resources: list[Resource], rule: str) -> list[Finding]:
    result = scan_inventory(Inventory(resources), ScanSettings(hardening=True))
    return [f for f in result.findings if f.rule == rule]


ENC = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n"


def _encryption(body: str) -> list[Finding]:
    api = _pod("kube-apiserver", "--encryption-provider-config=/etc/kubernetes/enc/enc.yaml")
    return _findings(
        [api, *_doc(ENC + body, "/n/etc/kubernetes/enc/enc.yaml")], "encryption-at-rest"
    )


def test_encryption_strong_provider_passes() -> None:
    body = "- resources: [secrets]\n  providers:\n  - kms: {apiVersion: v2, name: k, endpoint: unix:///k}\n  - identity: {}\n"
    assert _encryption(body) == []


def test_encryption_weak_and_missing_cases() -> None:
    aescbc = "- resources: [secrets]\n  providers:\n  - aescbc:\n      keys: [{name: k1, secret: QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=}]\n"
    messages = [f.message for f in _encryption(aescbc)]
    assert any("weak" in m for m in messages)
    assert any("embedded" in m for m in messages)
    assert all("QUFB" not in m for m in messages)
    uncovered = "- resources: [configmaps]\n  providers:\n  - secretbox: {}\n"
    assert any("no resources entry for secrets" in f.message for f in _encryption(uncovered))
    wildcard = "- resources: ['*.*']\n  providers:\n  - identity: {}\n"
    assert any("identity" in f.message for f in _encryption(wildcard))
    kms_v1 = "- resources: [secrets]\n  providers:\n  - kms: {name: k, endpoint: unix:///k}\n"
    assert any("KMS v1" in f.message for f in _encryption(kms_v1))


POLICY = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n"


def _audit(body: str) -> list[str]:
    api = _pod("kube-apiserver", "--audit-policy-file", "/etc/kubernetes/audit.yaml")
    return [f.message for f in _findings([api, *_doc(POLICY + body, "audit.yaml")], "audit-policy")]


def test_catch_all_metadata_policy_passes() -> None:
    assert _audit("- level: Metadata\n") == []


def test_audit_policy_leaks_and_gaps() -> None:
    leaky = "- level: RequestResponse\n"  # catch-all at RequestResponse logs secret bodies
    messages = _audit(leaky)
    assert any("secrets" in m and "RequestResponse" in m for m in messages)
    assert any("tokenreviews" in m for m in messages)
    gaps = "- level: None\n  resources: [{group: '', resources: [secrets]}]\n- level: Metadata\n  resources: [{group: '', resources: [pods]}]\n"
    messages = _audit(gaps)
    assert any("pods/exec" in m for m in messages)
    assert any("RBAC" in m for m in messages)
    assert any("secrets access" in m for m in messages)
    limited = "- level: Metadata\n  users: [alice]\n- level: None\n"
    assert any("not logged" in m for m in _audit(limited))


def test_authorization_config_replaces_mode_flag() -> None:
    api = _pod("kube-apiserver", "--authorization-config=/etc/kubernetes/authz.yaml")
    cfg = _doc(
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AuthorizationConfiguration\n"
        "authorizers:\n- type: Node\n  name: node\n- type: RBAC\n  name: rbac\n",
        "/x/etc/kubernetes/authz.yaml",
    )
    rules = {
        "apiserver-authorization-always-allow",
        "apiserver-authorization-node",
        "apiserver-authorization-rbac",
    }
    result = scan_inventory(Inventory([api, *cfg]), ScanSettings(hardening=True))
    assert rules.isdisjoint(f.rule for f in result.findings)
    # The same flag without the file: not evaluated, never passed or failed.
    result = scan_inventory(Inventory([api]), ScanSettings(hardening=True))
    assert rules.isdisjoint(f.rule for f in result.findings)
    skipped = {r for ne in result.not_evaluated for r in ne.rules if "authz.yaml" in ne.reason}
    assert rules <= skipped


def test_authentication_config_anonymous_health_only() -> None:
    api = _pod("kube-apiserver", "--authentication-config=/etc/kubernetes/authn.yaml")
    health = _doc(
        "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\n"
        "anonymous:\n  enabled: true\n  conditions:\n  - path: /healthz\n  - path: /readyz\n",
        "authn.yaml",
    )
    assert _findings([api, *health], "apiserver-anonymous-auth") == []
    wide = _doc(
        "apiVersion: apiserver.config.k8s.io/v1beta1\nkind: AuthenticationConfiguration\n"
        "anonymous:\n  enabled: true\n",
        "authn.yaml",
    )
    assert _findings([api, *wide], "apiserver-anonymous-auth")


def test_etcd_sharing_the_cluster_ca() -> None:
    api = _pod("kube-apiserver", "--client-ca-file=/etc/kubernetes/pki/ca.crt")
    shared = _pod("etcd", "--trusted-ca-file=/etc/kubernetes/pki/ca.crt")
    own = _pod("etcd", "--trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt")
    assert _findings([api, shared], "etcd-unique-ca")
    assert _findings([api, own], "etcd-unique-ca") == []


def test_etcd_env_variables_and_flag_precedence() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "etcd-cp1", "namespace": "kube-system"},
        "spec": {
            "containers": [
                {
                    "name": "etcd",
                    "command": ["etcd", "--peer-client-cert-auth=false"],
                    "env": [
                        {"name": "ETCD_CLIENT_CERT_AUTH", "value": "true"},
                        {"name": "ETCD_PEER_CLIENT_CERT_AUTH", "value": "true"},
                    ],
                }
            ]
        },
    }
    etcd = Resource.from_object(obj, Origin("etcd.yaml", line=1))
    assert _findings([etcd], "etcd-client-cert-auth") == []
    assert _findings([etcd], "etcd-peer-client-cert-auth")


def test_mirror_pod_with_args_only_is_recognised() -> None:
    pod = _pod("kube-scheduler", "--profiling=false", "--bind-address=0.0.0.0", command=False)
    assert _findings([pod], "scheduler-bind-address")
    assert _findings([pod], "scheduler-profiling") == []


def test_pod_security_defaults() -> None:
    api = _pod("kube-apiserver", "--admission-control-config-file=/etc/kubernetes/adm.yaml")
    adm = (
        "apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n"
        "- name: PodSecurity\n  configuration:\n"
        "    apiVersion: pod-security.admission.config.k8s.io/v1\n"
        "    kind: PodSecurityConfiguration\n    defaults:\n      enforce: {level}\n"
    )
    assert _findings(
        [api, *_doc(adm.format(level="privileged"), "adm.yaml")], "apiserver-pod-security-defaults"
    )
    assert (
        _findings(
            [api, *_doc(adm.format(level="baseline"), "adm.yaml")],
            "apiserver-pod-security-defaults",
        )
        == []
    )


def test_etcd_config_file_absent_is_not_evaluated() -> None:
    etcd = _pod("etcd", "--config-file=/etc/etcd/etcd.conf.yml", "--client-cert-auth=false")
    result = scan_inventory(Inventory([etcd]), ScanSettings(hardening=True))
    assert not [f for f in result.findings if f.rule.startswith("etcd-")]
    skipped = {r for ne in result.not_evaluated for r in ne.rules if "etcd.conf.yml" in ne.reason}
    assert "etcd-client-cert-auth" in skipped


def test_application_etcd_in_its_own_namespace_is_not_the_cluster_etcd() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "etcd-0", "namespace": "shop"},
        "spec": {"containers": [{"name": "etcd", "command": ["/usr/local/bin/etcd"]}]},
    }
    app = Resource.from_object(obj, Origin("etcd-0.yaml", line=1))
    result = scan_inventory(Inventory([app]))
    assert not [f for f in result.findings if f.rule.startswith("etcd-")]
    assert result.not_evaluated == []
