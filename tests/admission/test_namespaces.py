"""Namespace labels from the API: listed, watched and read on a cache miss (fake API server)."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any

import orjson
from kubernetes import client

from stockade.admission.namespaces import KubernetesNamespaceLabels
from stockade.admission.policy import MODE_LABEL


def _ns(name: str, mode: str | None) -> client.V1Namespace:
    labels = {MODE_LABEL: mode} if mode else {}
    return client.V1Namespace(metadata=client.V1ObjectMeta(name=name, labels=labels))


def _event(kind: str, name: str, mode: str | None) -> bytes:
    labels = {MODE_LABEL: mode} if mode else {}
    obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": labels}}
    return orjson.dumps({"type": kind, "object": obj}) + b"\n"


class _Stream:
    def __init__(self, lines: list[bytes]) -> None:
        self.lines = lines

    def stream(self, amt: Any = None, decode_content: Any = None) -> Any:
        yield from self.lines

    def close(self) -> None:
        pass

    def release_conn(self) -> None:
        pass


class FakeApi:
    """list_namespace (plain and watch) and read_namespace, as CoreV1Api answers them."""

    def __init__(self, events: list[bytes]) -> None:
        self.events = events
        self.lists = 0
        self.reads: list[str] = []
        self.release = threading.Event()

    def list_namespace(self, **kwargs: Any) -> Any:
        """:rtype: V1NamespaceList"""
        if kwargs.get("watch"):
            assert kwargs["resource_version"] == "42"
            return _Stream(self.events)
        self.lists += 1
        if self.lists > 1:  # the watch ended: hold the relist until the test is over
            self.release.wait(5)
            raise RuntimeError("stopped")
        return client.V1NamespaceList(
            items=[_ns("strict", "enforce"), _ns("lab", None)],
            metadata=client.V1ListMeta(resource_version="42"),
        )

    def read_namespace(self, name: str, **kwargs: Any) -> client.V1Namespace:
        self.reads.append(name)
        if name == "missing":
            raise RuntimeError("404")
        return _ns(name, "audit")


def test_list_watch_and_cache_miss() -> None:
    api = FakeApi([_event("MODIFIED", "lab", "warn"), _event("DELETED", "strict", None)])
    labels = KubernetesNamespaceLabels(api=api)
    assert not labels.synced()
    labels.start()
    deadline = time.monotonic() + 5
    while api.lists < 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert labels.synced()

    async def read(name: str) -> Any:
        return await labels.labels(name)

    # The watch updated "lab" and removed "strict"; neither needed a direct read.
    assert asyncio.run(read("lab")) == {MODE_LABEL: "warn"}
    assert api.reads == []
    # A namespace the cache does not know is read once, then served from the cache.
    assert asyncio.run(read("new")) == {MODE_LABEL: "audit"}
    assert asyncio.run(read("new")) == {MODE_LABEL: "audit"}
    assert api.reads.count("new") == 1
    # "strict" was deleted from the cache, so it is read again; an API failure means unknown.
    assert asyncio.run(read("missing")) is None
    labels.close()
    api.release.set()
