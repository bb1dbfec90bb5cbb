"""`rbac`, `net` and `pss` on a live cluster: the same answers as on a snapshot of it.

Two clusters are served: ``full`` (only ConfigMaps forbidden, as in the scan tests) and
``partial``, whose credentials may not list ClusterRoleBindings, NetworkPolicies and DaemonSets,
so that every query has an unreadable kind its answer depends on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from stockade.cli.main import app

from tests.cluster.apiserver import ApiState, FakeApiServer, make_certs, write_kubeconfig
from tests.cluster.conftest import TOKEN, Cluster
from tests.cluster.fixtures import SECRET_B64, SECRET_VALUE, cluster_objects

runner = CliRunner()

RBAC_GROUP = "rbac.authorization.k8s.io"


def _rbac_objects() -> list[dict[str, Any]]:
    """Bindings and a NetworkPolicy on top of the shared fixture set."""

    def meta(name: str, namespace: str | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"name": name, "uid": f"uid-{name}", "resourceVersion": "1"}
        if namespace:
            out["namespace"] = namespace
        return out

    return [
        {
            "apiVersion": f"{RBAC_GROUP}/v1",
            "kind": "Role",
            "metadata": meta("secret-reader", "shop"),
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}],
        },
        {
            "apiVersion": f"{RBAC_GROUP}/v1",
            "kind": "RoleBinding",
            "metadata": meta("api-reads-secrets", "shop"),
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "Role", "name": "secret-reader"},
            "subjects": [{"kind": "ServiceAccount", "name": "api", "namespace": "shop"}],
        },
        {
            "apiVersion": f"{RBAC_GROUP}/v1",
            "kind": "ClusterRole",
            "metadata": meta("secrets-everywhere"),
            "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list"]}],
        },
        {
            "apiVersion": f"{RBAC_GROUP}/v1",
            "kind": "ClusterRoleBinding",
            "metadata": meta("alice-secrets"),
            "roleRef": {
                "apiGroup": RBAC_GROUP,
                "kind": "ClusterRole",
                "name": "secrets-everywhere",
            },
            "subjects": [{"apiGroup": RBAC_GROUP, "kind": "User", "name": "alice"}],
        },
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "NetworkPolicy",
            "metadata": meta("api-ingress", "shop"),
            "spec": {
                "podSelector": {"matchLabels": {"app": "api"}},
                "policyTypes": ["Ingress"],
                "ingress": [
                    {
                        "from": [
                            {
                                "namespaceSelector": {
                                    "matchLabels": {"kubernetes.io/metadata.name": "tools"}
                                }
                            }
                        ],
                        "ports": [{"port": 8443, "protocol": "TCP"}],
                    }
                ],
            },
        },
        {
            "apiVersion": "apps/v1",
            "kind": "DaemonSet",
            "metadata": meta("agent", "kube-system"),
            "spec": {
                "selector": {"matchLabels": {"app": "agent"}},
                "template": {
                    "metadata": {"labels": {"app": "agent"}},
                    "spec": {
                        "hostPID": True,
                        "containers": [{"name": "agent", "image": "ghcr.io/acme/agent:1"}],
                    },
                },
            },
        },
    ]


@pytest.fixture(scope="module", params=["full", "partial"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp(f"queries-{request.param}")
    certs = make_certs(tmp / "pki")
    forbidden = {"configmaps"}
    if request.param == "partial":
        forbidden |= {"clusterrolebindings", "networkpolicies", "daemonsets"}
    state = ApiState(TOKEN, forbidden=forbidden, absent_groups={"apiextensions.k8s.io"})
    state.add([*cluster_objects(), *_rbac_objects()])
    with FakeApiServer(state, certs) as server:
        kubeconfig = write_kubeconfig(tmp / "kubeconfig", server.url, certs.ca, TOKEN)
        yield Cluster(server, kubeconfig, tmp)


def run(*args: str) -> Result:
    return runner.invoke(app, list(args), env={"COLUMNS": "250"})


def live_args(cluster: Cluster) -> list[str]:
    return ["--cluster", "--kubeconfig", str(cluster.kubeconfig)]


@pytest.fixture(scope="module")
def snapshot(served: Cluster) -> Path:
    out = served.tmp / "snap.json.gz"
    result = run("snapshot", *live_args(served), "-o", str(out))
    assert result.exit_code == 0, result.output
    return out


QUERIES: dict[str, list[str]] = {
    "who-can": ["rbac", "who-can", "get", "secrets", "-n", "shop"],
    "who-can-any": ["rbac", "who-can", "list", "secrets", "-A"],
    "can": ["rbac", "can", "serviceaccount:shop:api"],
    "secrets": ["rbac", "secrets"],
    "workloads": ["rbac", "workloads"],
    "matrix": ["net", "matrix"],
    "reach": ["net", "reach", "tools/debug", "shop/api:8443"],
    "exposure": ["net", "exposure"],
    "pss": ["pss"],
    "pss-labels": ["pss", "--namespace-labels", "--level", "baseline"],
}


_answered: dict[tuple[str, ...], Result] = {}


def _answers(args: list[str], source: list[str], fmt: str) -> Result:
    """One run per command line: several tests look at the same answers."""
    key = (*args, *source, "--format", fmt)
    if key not in _answered:
        _answered[key] = run(*key)
    return _answered[key]


@pytest.mark.parametrize("fmt", ["json", "table"])
@pytest.mark.parametrize("query", sorted(QUERIES))
def test_live_answer_equals_the_answer_on_its_snapshot(
    served: Cluster, snapshot: Path, query: str, fmt: str
) -> None:
    args = QUERIES[query]
    live = _answers(args, live_args(served), fmt)
    offline = _answers(args, [str(snapshot)], fmt)
    assert "Traceback" not in live.output
    assert live.exit_code == offline.exit_code
    assert live.exit_code in (0, 1), live.output
    assert live.stdout == offline.stdout
    assert live.stdout.strip()
    if fmt == "json":
        json.loads(live.stdout)


def _json(args: list[str], cluster: Cluster) -> dict[str, Any]:
    result = _answers(args, live_args(cluster), "json")
    assert result.exit_code in (0, 1), result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def _partial(cluster: Cluster) -> bool:
    return "clusterrolebindings" in cluster.state.forbidden


def test_who_can_answers_from_bindings_in_every_scope(served: Cluster) -> None:
    doc = _json(QUERIES["who-can"], served)
    subjects = {(s["kind"], s["name"]) for s in doc["subjects"]}
    assert ("ServiceAccount", "api") in subjects
    # alice's access comes from a ClusterRoleBinding: invisible when those cannot be read.
    assert (("User", "alice") in subjects) is not _partial(served)
    assert doc["namespace"] == "shop"


def test_who_can_namespace_is_the_request_and_the_whole_cluster_is_read(
    served: Cluster,
) -> None:
    before = len(served.state.requests)
    result = run(*QUERIES["who-can"], *live_args(served))
    assert result.exit_code == 0, result.output
    paths = [p for p, _, _ in served.state.requests[before:]]
    assert any(p.startswith("/apis/rbac.authorization.k8s.io/v1/rolebindings?") for p in paths)
    assert not any("/namespaces/shop/" in p for p in paths)


def test_unreadable_kinds_make_each_answer_incomplete(served: Cluster) -> None:
    expect = {
        "who-can": {"ClusterRoleBinding"},
        "secrets": {"ClusterRoleBinding", "DaemonSet"},
        "matrix": {"NetworkPolicy", "DaemonSet"},
        "reach": {"NetworkPolicy"},
        "pss": {"DaemonSet"},
    }
    for query, kinds in expect.items():
        doc = _json(QUERIES[query], served)
        got = {u["kind"] for u in doc.get("unreadable", [])}
        assert got == (kinds if _partial(served) else set()), query
        for u in doc.get("unreadable", []):
            assert u["status"] == 403 and "forbidden" in u["reason"]
        table = _answers(QUERIES[query], live_args(served), "table").stdout
        for kind in kinds if _partial(served) else ():
            assert f"incomplete: could not read {kind}: HTTP 403" in table, (query, table)
        if not _partial(served):
            assert "incomplete" not in table
    # ConfigMaps are forbidden on both clusters, but no query reads them.
    assert "ConfigMap" not in json.dumps(_json(QUERIES["secrets"], served))


def test_matrix_csv_reports_what_is_incomplete_on_stderr(served: Cluster) -> None:
    result = run("net", "matrix", *live_args(served), "--format", "csv")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("from,to,ports")
    assert ("could not read NetworkPolicy" in result.stderr) is _partial(served)


def test_reach_follows_the_live_policy(served: Cluster) -> None:
    doc = _json(QUERIES["reach"], served)
    policies = {p for d in doc["decisions"] for p in d["selected_by"]}
    if _partial(served):
        assert policies == set() and doc["allowed"] is True
    else:
        assert policies == {"shop/api-ingress"}


def test_namespace_option_narrows_what_is_read(served: Cluster, tmp_path: Path) -> None:
    doc = _json(["pss", "-n", "tools"], served)
    assert {(r["namespace"], r["name"]) for r in doc["results"]} == {("tools", "debug")}
    snap = tmp_path / "tools.json"
    assert run("snapshot", *live_args(served), "-n", "tools", "-o", str(snap)).exit_code == 0
    for query in ("pss", "matrix", "secrets"):
        live = _answers([*QUERIES[query], "-n", "tools"], live_args(served), "json")
        offline = _answers(QUERIES[query], [str(snap)], "json")
        assert live.stdout == offline.stdout, query


def test_no_secret_value_in_query_outputs(served: Cluster) -> None:
    for query in ("secrets", "workloads", "can", "who-can"):
        for fmt in ("json", "table"):
            out = _answers(QUERIES[query], live_args(served), fmt).output
            assert SECRET_VALUE not in out and SECRET_B64 not in out


@pytest.mark.parametrize("query", ["who-can", "secrets", "matrix", "reach", "pss"])
def test_paths_and_cluster_together_are_a_usage_error(
    cluster: Cluster, tmp_path: Path, query: str
) -> None:
    manifest = tmp_path / "pod.yaml"
    manifest.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n")
    result = run(*QUERIES[query], str(manifest), *live_args(cluster))
    assert result.exit_code == 2
    assert "not both" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("query", ["who-can", "secrets", "exposure", "pss"])
def test_cluster_options_need_cluster(tmp_path: Path, query: str) -> None:
    result = run(*QUERIES[query], str(tmp_path), "--context", "prod")
    assert result.exit_code == 2
    assert "--cluster" in result.output


@pytest.mark.parametrize("query", ["who-can", "can", "matrix", "pss"])
def test_unreachable_cluster_is_a_clear_error(cluster: Cluster, tmp_path: Path, query: str) -> None:
    kc = write_kubeconfig(tmp_path / "kc", "https://127.0.0.1:9", cluster.server.certs.ca, "t")
    result = run(*QUERIES[query], "--cluster", "--kubeconfig", str(kc))
    assert result.exit_code == 2
    assert "could not reach" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("query", ["secrets", "reach", "pss"])
def test_bad_kubeconfig_is_a_clear_error(tmp_path: Path, query: str) -> None:
    kc = tmp_path / "kubeconfig"
    kc.write_text("users:\n- name: scanner\n  user: {token: tok-do-not-print, [\n")
    result = run(*QUERIES[query], "--cluster", "--kubeconfig", str(kc))
    assert result.exit_code == 2
    assert "cannot load cluster credentials" in result.output
    assert "Traceback" not in result.output and "tok-do-not-print" not in result.output


@pytest.mark.parametrize(
    "command",
    [
        ["rbac", "who-can"],
        ["rbac", "can"],
        ["rbac", "secrets"],
        ["rbac", "workloads"],
        ["net", "matrix"],
        ["net", "reach"],
        ["net", "exposure"],
        ["pss"],
    ],
)
def test_every_query_command_offers_the_cluster_options(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0, result.output
    for option in ("--cluster", "--context", "--kubeconfig", "--namespace"):
        assert option in result.stdout


@pytest.mark.parametrize("query", ["who-can", "exposure", "pss"])
def test_rejected_credentials_are_a_clear_error(
    cluster: Cluster, tmp_path: Path, query: str
) -> None:
    token = "tok-rejected-5e1"
    kc = write_kubeconfig(tmp_path / "kc", cluster.server.url, cluster.server.certs.ca, token)
    result = run(*QUERIES[query], "--cluster", "--kubeconfig", str(kc))
    assert result.exit_code == 2
    assert "401" in result.output and "Traceback" not in result.output
    assert token not in result.output
