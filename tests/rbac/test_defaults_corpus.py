"""The shipped bootstrap policy, and hand-verified answers on the kube-prometheus corpus."""

from __future__ import annotations

import pytest

from stockade.errors import UsageError
from stockade.inventory import Inventory
from stockade.rbac import ALL_NAMESPACES, Identity, Request, SubjectAccess, build_index
from stockade.rbac.defaults import default_resources, resolve_version, with_defaults
from stockade.sources.files import LoadOptions, load_paths

from tests.conftest import shared
from tests.rbac.rbacdata import binding, inv, user


def _names(answer: list[SubjectAccess]) -> set[str]:
    return {a.subject.display() for a in answer}


def test_version_forms_and_unknown_versions() -> None:
    assert resolve_version("1.33") == resolve_version("v1.33.4") == resolve_version("latest")
    with pytest.raises(UsageError) as exc:
        resolve_version("v1.2")
    assert "v1.33" in exc.value.diagnostics()


def test_bootstrap_policy_is_clean_and_answers_system_identities() -> None:
    idx = build_index(Inventory(default_resources("v1.33")))
    assert idx.errors == [] and idx.unresolved == []
    anon = Identity.user("system:anonymous")
    assert idx.allows(anon, Request("get", path="/healthz"))
    assert not idx.allows(anon, Request("get", path="/apis"))
    alice = Identity.user("alice")
    assert idx.allows(alice, Request("get", path="/apis/apps"))
    assert idx.allows(
        alice, Request("create", "selfsubjectaccessreviews", api_group="authorization.k8s.io")
    )
    assert not idx.allows(alice, Request("get", "secrets", namespace="default"))
    # admin ⊇ edit ⊇ view through aggregation
    admin, edit, view = (
        idx.roles[("ClusterRole", None, n)].rules for n in ("admin", "edit", "view")
    )
    assert set(view) < set(edit) < set(admin)
    assert "Group system:masters" in _names(idx.who_can("get", "secrets", "kube-system"))


def test_defaults_make_bindings_to_default_roles_resolve() -> None:
    base = inv(binding("ops-admin", "ClusterRole", "admin", [user("ops")], "payments"))
    assert len(build_index(base).unresolved) == 1
    idx = build_index(with_defaults(base, "v1.33"))
    assert idx.unresolved == []
    assert "User ops" in _names(idx.who_can("create", "pods", "payments", subresource="exec"))
    assert "User ops" not in _names(idx.who_can("create", "pods", "other", subresource="exec"))


@pytest.fixture(scope="module")
def kube_prometheus() -> Inventory:
    loaded = load_paths([str(shared("corpora", "kube-prometheus", "manifests"))], LoadOptions())
    return Inventory(loaded.resources)


def test_kube_prometheus_secret_readers(kube_prometheus: Inventory) -> None:
    idx = build_index(kube_prometheus)
    assert idx.errors == []
    # ClusterRole kube-state-metrics: list/watch secrets; prometheus-operator: * on secrets.
    assert _names(idx.who_can("list", "secrets", None)) == {
        "Group system:masters",
        "ServiceAccount monitoring/kube-state-metrics",
        "ServiceAccount monitoring/prometheus-operator",
    }
    assert _names(idx.who_can("get", "secrets", ALL_NAMESPACES)) == {
        "Group system:masters",
        "ServiceAccount monitoring/prometheus-operator",
    }
    # Role default/prometheus-k8s grants pods and services, not secrets.
    answer = idx.who_can("get", "pods", "default")
    assert "ServiceAccount monitoring/prometheus-k8s" in _names(answer)
    assert "ServiceAccount monitoring/prometheus-k8s" not in _names(
        idx.who_can("get", "secrets", "default")
    )
    # Nobody but system:masters reaches the kubelet API.
    assert _names(idx.who_can("get", "nodes", None, subresource="proxy")) == {
        "Group system:masters"
    }


def test_kube_prometheus_bindings_to_default_roles(kube_prometheus: Inventory) -> None:
    idx = build_index(kube_prometheus)
    assert sorted(b.name for b in idx.unresolved) == [
        "resource-metrics-auth-reader",
        "resource-metrics:system:auth-delegator",
    ]
    full = build_index(with_defaults(kube_prometheus, "v1.33"))
    assert full.unresolved == []
    adapter = Identity.service_account("monitoring", "prometheus-adapter")
    assert full.allows(
        adapter, Request("create", "tokenreviews", api_group="authentication.k8s.io")
    )
    assert full.allows(
        adapter,
        Request(
            "get", "configmaps", namespace="kube-system", name="extension-apiserver-authentication"
        ),
    )
    assert not full.allows(
        adapter, Request("get", "configmaps", namespace="kube-system", name="other")
    )
    # system:aggregated-metrics-reader aggregates into the default view role
    view = full.roles[("ClusterRole", None, "view")]
    assert any("metrics.k8s.io" in r.api_groups for r in view.rules)
