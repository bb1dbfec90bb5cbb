"""Reading a live cluster: every kind the catalogue needs, paginated, concurrently, as plain dicts.

```python
from stockade.sources.cluster import read_cluster
from stockade.sources.cluster_auth import ClusterOptions

read = read_cluster(ClusterOptions(context="prod", namespaces=("payments",)))
read.objects      # plain dicts, normalised (stockade.sources.live)
read.unreadable   # kinds the credentials may not list (403) or the cluster lacks (404)
```

Each kind (per namespace when namespaces are given) is listed with ``limit`` and ``continue``;
lists run on a thread pool. Pages are parsed with orjson into dicts and normalised at once, so
memory holds one raw page per worker plus the kept objects. Secrets are requested as
``PartialObjectMetadataList``: the server sends no value, and anything beyond metadata that a
server sends anyway is dropped before it is kept.
"""

from __future__ import annotations

import threading
import urllib.parse
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import orjson

from stockade.sources.cluster_auth import ClusterError, ClusterOptions, Connection, connect
from stockade.sources.cluster_kinds import LIVE_KINDS, KindSpec
from stockade.sources.coverage import UnreadableKind
from stockade.sources.live import defer, normalise

JSON = "application/json"
PARTIAL_METADATA = "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"


@dataclass(frozen=True, slots=True)
class Progress:
    """A progress report: lists finished out of all, objects read so far, the kind just read."""

    done: int
    total: int
    objects: int
    kind: str


Observer = Callable[[Progress], None]


def _quiet(_: Progress) -> None:
    """The default observer: reports nothing."""


@dataclass(slots=True)
class ClusterRead:
    """What reading a cluster produced."""

    context: str
    server: str
    namespaces: tuple[str, ...]
    objects: list[dict[str, Any]] = field(default_factory=list)
    deferred: list[tuple[str, bytes]] = field(default_factory=list)
    """Controller-owned objects, kept serialised: (controller uid, JSON) (`live.defer`)."""
    unreadable: list[UnreadableKind] = field(default_factory=list)

    @property
    def count(self) -> int:
        """Objects read, owned ones included."""
        return len(self.objects) + len(self.deferred)

    def all_objects(self) -> Iterator[dict[str, Any]]:
        """Every object read, parsing the deferred ones on the way."""
        yield from self.objects
        for _, raw in self.deferred:
            yield orjson.loads(raw)

    @property
    def label(self) -> str:
        """The name findings carry as their file."""
        return f"cluster:{self.context}"


@dataclass(frozen=True, slots=True)
class _Task:
    spec: KindSpec
    namespace: str | None


def _reason(status: int, body: bytes) -> str:
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        data = None
    message = data.get("message") if isinstance(data, dict) else None
    if status == 403:
        prefix = "forbidden"
    elif status == 404:
        prefix = "the cluster does not serve this kind"
    else:
        prefix = "the API server refused the list"
    return f"{prefix} ({message})" if isinstance(message, str) and message else prefix


_Listed = tuple[list[dict[str, Any]], list[tuple[str, bytes]], UnreadableKind | None]


def _list(conn: Connection, task: _Task, options: ClusterOptions) -> _Listed:
    spec = task.spec
    accept = PARTIAL_METADATA + "," + JSON if spec.metadata_only else JSON
    path = spec.path(task.namespace)
    items: list[dict[str, Any]] = []
    owned: list[tuple[str, bytes]] = []
    cont = ""
    while True:
        query = {"limit": str(options.page_size)}
        if cont:
            query["continue"] = cont
        status, body = conn.get(f"{path}?{urllib.parse.urlencode(query)}", accept, options.timeout)
        if status == 401:
            raise ClusterError(
                f"the API server {conn.server} rejected the credentials of context "
                f"{conn.context!r} (HTTP 401)",
                "Refresh your login (`kubectl get ns` shows the same problem), then retry.",
            )
        if status != 200:
            return (
                items,
                owned,
                UnreadableKind(
                    spec.kind, spec.api_version, _reason(status, body), status, task.namespace
                ),
            )
        try:
            page = orjson.loads(body)
        except orjson.JSONDecodeError:
            return (
                items,
                owned,
                UnreadableKind(
                    spec.kind,
                    spec.api_version,
                    "the API server sent invalid JSON",
                    status,
                    task.namespace,
                ),
            )
        del body
        for obj in page.get("items") or ():
            if isinstance(obj, dict):
                obj = normalise(
                    obj, spec.api_version, spec.kind, metadata_only_kind=spec.metadata_only
                )
                serialised = defer(obj)
                if serialised is not None:
                    owned.append(serialised)
                else:
                    items.append(obj)
        meta = page.get("metadata") or {}
        cont = meta.get("continue") or "" if isinstance(meta, dict) else ""
        if not cont:
            return items, owned, None


def _tasks(options: ClusterOptions) -> list[_Task]:
    out: list[_Task] = []
    for spec in LIVE_KINDS:
        if spec.namespaced and options.namespaces:
            out.extend(_Task(spec, ns) for ns in options.namespaces)
        else:
            out.append(_Task(spec, None))
    return out


def _keep(obj: dict[str, Any], namespaces: tuple[str, ...]) -> bool:
    """With namespaces chosen, keep only their Namespace objects among cluster-scoped ones."""
    if not namespaces or obj.get("kind") != "Namespace":
        return True
    meta = obj.get("metadata")
    return isinstance(meta, dict) and meta.get("name") in namespaces


def read_cluster(
    options: ClusterOptions,
    observer: Observer = _quiet,
    connection: Connection | None = None,
) -> ClusterRead:
    """List every kind in `LIVE_KINDS`; kinds that cannot be listed become `UnreadableKind`s."""
    conn = connection or connect(options)
    tasks = _tasks(options)
    read = ClusterRead(conn.context, conn.server, tuple(options.namespaces))
    lock = threading.Lock()
    counts = {"done": 0, "objects": 0}

    def run(task: _Task) -> _Listed:
        items, owned, problem = _list(conn, task, options)
        with lock:
            counts["done"] += 1
            counts["objects"] += len(items) + len(owned)
            observer(Progress(counts["done"], len(tasks), counts["objects"], task.spec.kind))
        return items, owned, problem

    observer(Progress(0, len(tasks), 0, ""))
    with ThreadPoolExecutor(max_workers=max(options.workers, 1)) as pool:
        results = list(pool.map(run, tasks))
    for items, owned, problem in results:
        read.objects.extend(o for o in items if _keep(o, read.namespaces))
        read.deferred.extend(owned)
        if problem is not None:
            read.unreadable.append(problem)
    return read
