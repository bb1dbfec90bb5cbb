"""A local HTTPS Kubernetes API for the cluster tests, with a real kubeconfig file."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.cluster.apiserver import ApiState, FakeApiServer, make_certs, write_kubeconfig
from tests.cluster.fixtures import cluster_objects

TOKEN = "test-token-7f3a"
FORBIDDEN = {"configmaps"}
ABSENT_GROUPS = {"apiextensions.k8s.io"}


@dataclass
class Cluster:
    """A running test cluster and the kubeconfig that reaches it."""

    server: FakeApiServer
    kubeconfig: Path
    tmp: Path

    @property
    def state(self) -> ApiState:
        """What the server serves and what it saw."""
        return self.server.state


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("cluster")
    certs = make_certs(tmp / "pki")
    state = ApiState(TOKEN, forbidden=set(FORBIDDEN), absent_groups=set(ABSENT_GROUPS))
    state.add(cluster_objects())
    with FakeApiServer(state, certs) as server:
        kubeconfig = write_kubeconfig(tmp / "kubeconfig", server.url, certs.ca, TOKEN)
        yield Cluster(server, kubeconfig, tmp)


@pytest.fixture(autouse=True)
def _no_ambient_kubeconfig(monkeypatch: pytest.MonkeyPatch) -> None:
    # Tests name their kubeconfig; a developer's own KUBECONFIG must never be used.
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
