"""Connecting to a cluster as kubectl does, through the official client's configuration code.

The `kubernetes` package is used only here, and only to resolve configuration and credentials:
kubeconfig files (``--kubeconfig``, ``KUBECONFIG`` with several paths, ``~/.kube/config``),
contexts, exec credential plugins, client certificates, tokens, and in-cluster service-account
credentials. Requests go through the client's own connection pool (same TLS and proxy settings),
but responses are read as raw bytes: no client model object is ever built.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

from stockade.errors import StockadeError

DEFAULT_KUBECONFIG = "~/.kube/config"


class ClusterError(StockadeError):
    """The cluster cannot be reached or its credentials cannot be loaded."""


@dataclass(frozen=True, slots=True)
class ClusterOptions:
    """How to reach a cluster and what to read from it."""

    context: str | None = None
    kubeconfig: str | None = None
    namespaces: tuple[str, ...] = ()
    """Read only these namespaces (cluster-scoped kinds are still read); empty = all."""
    in_cluster: bool | None = None
    """True: service-account credentials; False: kubeconfig; None: kubeconfig, or in-cluster
    credentials when no kubeconfig exists and the process runs in a pod."""
    page_size: int = 500
    workers: int = 8
    timeout: float = 60.0


@dataclass(slots=True)
class Connection:
    """A resolved API endpoint: base URL, a pool of connections and credentials."""

    server: str
    context: str
    _config: Any = field(repr=False)
    _pool: Any = field(repr=False)

    @property
    def label(self) -> str:
        """The name findings on this cluster carry as their file: ``cluster:<context>``."""
        return f"cluster:{self.context}"

    def headers(self, accept: str) -> dict[str, str]:
        """Request headers; refreshes expiring tokens (exec plugins) through the client hook."""
        out = {"Accept": accept, "User-Agent": "stockade"}
        # auth_settings() runs the client's refresh hook, so exec-plugin tokens stay valid.
        for setting in self._config.auth_settings().values():
            if setting.get("in") == "header" and setting.get("value"):
                out["Authorization"] = str(setting["value"])
        if "Authorization" not in out and (self._config.username or self._config.password):
            out["Authorization"] = self._config.get_basic_auth_token()
        return out

    def get(self, path: str, accept: str, timeout: float) -> tuple[int, bytes]:
        """GET ``path``; returns the status and body. Network failures raise `ClusterError`."""
        import urllib3

        try:
            resp = self._pool.request(
                "GET",
                self.server + path,
                headers=self.headers(accept),
                timeout=urllib3.Timeout(total=timeout),
                retries=urllib3.Retry(total=2, connect=2, read=1, redirect=0, status=0),
                preload_content=True,
            )
        except urllib3.exceptions.HTTPError as exc:
            raise ClusterError(
                f"could not reach the API server {self.server} (context {self.context!r}): "
                f"{type(exc).__name__}",
                "Check `kubectl --context "
                f"{self.context} get ns`, or scan a snapshot or files instead.",
            ) from exc
        return int(resp.status), bytes(resp.data)


def _kubeconfig_path(options: ClusterOptions) -> str:
    return options.kubeconfig or os.environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG


def _use_in_cluster(options: ClusterOptions) -> bool:
    if options.in_cluster is not None:
        return options.in_cluster
    if options.kubeconfig or os.environ.get("KUBECONFIG"):
        return False
    return not os.path.exists(os.path.expanduser(DEFAULT_KUBECONFIG)) and bool(
        os.environ.get("KUBERNETES_SERVICE_HOST")
    )


def connect(options: ClusterOptions) -> Connection:
    """Resolve credentials for the chosen context (or the pod's service account)."""
    import yaml
    from kubernetes import client, config
    from kubernetes.client.rest import RESTClientObject

    cfg = client.Configuration()
    try:
        if _use_in_cluster(options):
            config.load_incluster_config(client_configuration=cfg)  # type: ignore[no-untyped-call]
            context = "in-cluster"
        else:
            path = _kubeconfig_path(options)
            _, active = config.list_kube_config_contexts(config_file=path)  # type: ignore[no-untyped-call]
            context = options.context or str((active or {}).get("name", "default"))
            config.load_kube_config(  # type: ignore[no-untyped-call]
                config_file=path,
                context=options.context,
                client_configuration=cfg,
                persist_config=False,
            )
    except (
        config.ConfigException,
        yaml.YAMLError,  # a kubeconfig that is not YAML
        OSError,
        ValueError,
        KeyError,
        TypeError,
    ) as exc:
        where = "in-cluster credentials" if _use_in_cluster(options) else _kubeconfig_path(options)
        raise ClusterError(
            f"cannot load cluster credentials from {where}: {exc}",
            "Check --kubeconfig/KUBECONFIG and --context (`kubectl config get-contexts`).",
        ) from None
    cfg.connection_pool_maxsize = max(options.workers, 1)
    return Connection(str(cfg.host).rstrip("/"), context, cfg, RESTClientObject(cfg).pool_manager)
