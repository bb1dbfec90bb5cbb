"""Namespace labels for per-namespace modes: a fixed table (tests, outside a cluster) or the API.

In a cluster the labels come from a list-then-watch of Namespaces through the official
``kubernetes`` client, kept in a dict the request path reads without I/O. A namespace missing
from the cache (created a moment ago) is read once directly. When the API cannot be reached the
mode falls back to the default, and readiness reports whether the cache ever synced.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from typing import Any, Protocol

import anyio.to_thread

from stockade.errors import ConfigError

log = logging.getLogger("stockade.admission")


class NamespaceLabels(Protocol):
    """Where namespace labels come from."""

    def synced(self) -> bool:
        """Whether labels can be answered (the first list completed)."""

    async def labels(self, namespace: str) -> Mapping[str, str] | None:
        """The namespace's labels, or None when unknown."""

    def close(self) -> None:
        """Stop background work."""


class StaticNamespaceLabels:
    """Labels from a mapping; update it with `set` (the mapping is copied, then swapped)."""

    def __init__(self, table: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self._table: dict[str, dict[str, str]] = {k: dict(v) for k, v in (table or {}).items()}

    def set(self, namespace: str, labels: Mapping[str, str]) -> None:
        """Replace one namespace's labels."""
        table = dict(self._table)
        table[namespace] = dict(labels)
        self._table = table

    def synced(self) -> bool:
        """Always answerable."""
        return True

    async def labels(self, namespace: str) -> Mapping[str, str] | None:
        """The labels from the table."""
        return self._table.get(namespace)

    def close(self) -> None:
        """Nothing to stop."""


def _labels_of(ns: Any) -> dict[str, str]:
    meta = getattr(ns, "metadata", None)
    labels = getattr(meta, "labels", None) or {}
    return {str(k): str(v) for k, v in labels.items()}


class KubernetesNamespaceLabels:
    """Namespace labels from the API: listed, then watched in a background thread."""

    def __init__(self, api: Any = None, resync_seconds: int = 300, lookup_timeout: float = 2.0):
        if api is None:
            from kubernetes import client, config

            try:
                config.load_incluster_config()  # type: ignore[no-untyped-call]
            except config.ConfigException:
                try:
                    config.load_kube_config()  # type: ignore[no-untyped-call]
                except (config.ConfigException, OSError) as exc:
                    raise ConfigError(
                        f"cannot reach the Kubernetes API for namespace labels: {exc}",
                        "Run in a cluster, set KUBECONFIG, or use --namespace-labels off.",
                    ) from None
            api = client.CoreV1Api()
        self._api = api
        self._cache: dict[str, dict[str, str]] = {}
        self._synced = threading.Event()
        self._stop = threading.Event()
        self._resync = resync_seconds
        self._lookup_timeout = lookup_timeout
        self._thread = threading.Thread(target=self._run, name="namespace-watch", daemon=True)

    def start(self) -> None:
        """Begin listing and watching."""
        self._thread.start()

    def synced(self) -> bool:
        """Whether the first list completed."""
        return self._synced.is_set()

    async def labels(self, namespace: str) -> Mapping[str, str] | None:
        """Cached labels; a cache miss reads the namespace once (bounded by a timeout)."""
        found = self._cache.get(namespace)
        if found is not None or not namespace:
            return found
        return await anyio.to_thread.run_sync(self._read, namespace)

    def _read(self, namespace: str) -> dict[str, str] | None:
        try:
            ns = self._api.read_namespace(namespace, _request_timeout=self._lookup_timeout)
        except Exception as exc:  # any API failure means "unknown": the default mode applies
            log.warning(
                "namespace lookup failed",
                extra={"event": {"namespace": namespace, "error": type(exc).__name__}},
            )
            return None
        labels = _labels_of(ns)
        self._cache[namespace] = labels
        return labels

    def _run(self) -> None:
        from kubernetes import watch

        backoff = 1.0
        while not self._stop.is_set():
            try:
                listed = self._api.list_namespace(_request_timeout=30)
                self._cache = {n.metadata.name: _labels_of(n) for n in listed.items}
                self._synced.set()
                backoff = 1.0
                w = watch.Watch()  # type: ignore[no-untyped-call]
                for event in w.stream(  # type: ignore[no-untyped-call]
                    self._api.list_namespace,
                    resource_version=listed.metadata.resource_version,
                    timeout_seconds=self._resync,
                ):
                    if self._stop.is_set():
                        w.stop()  # type: ignore[no-untyped-call]
                        break
                    ns = event["object"]
                    name = ns.metadata.name
                    if event["type"] == "DELETED":
                        self._cache.pop(name, None)
                    else:
                        self._cache[name] = _labels_of(ns)
            except Exception as exc:  # the watch must survive API restarts and expiries
                log.warning(
                    "namespace watch interrupted; retrying",
                    extra={"event": {"error": type(exc).__name__, "retry_in": backoff}},
                )
                time.sleep(backoff)
                backoff = min(backoff * 2, 30.0)

    def close(self) -> None:
        """Ask the watch thread to stop (it is a daemon; it never blocks exit)."""
        self._stop.set()
