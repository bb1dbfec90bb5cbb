"""Snapshots: a cluster captured once, scanned offline with the same findings.

A snapshot is a Kubernetes ``v1`` ``List`` (so any tool that reads ``kubectl get -o json``
output reads it) with one extra top-level key, ``snapshot``, that records where it came from and
what could not be read (docs/snapshot.md). Files ending in ``.gz`` are gzip-compressed; the
loader recognises a snapshot by its content, whatever its name.
"""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import orjson

from stockade.inventory.resource import Resource
from stockade.model import ScanError
from stockade.sources.cluster import ClusterRead
from stockade.sources.coverage import LIVE_CAPABILITIES, UnreadableKind
from stockade.sources.live import deferrable_owner, live_resources, normalise

FORMAT = "stockade.dev/snapshot"
VERSION = 1
_MARKER = FORMAT.encode()
_SNIFF_BYTES = 64 * 1024


def header(read: ClusterRead, created: dt.datetime | None = None) -> dict[str, Any]:
    """The ``snapshot`` block of a snapshot of ``read``."""
    when = (created or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    return {
        "format": FORMAT,
        "version": VERSION,
        "createdAt": when.isoformat().replace("+00:00", "Z"),
        "context": read.context,
        "server": read.server,
        "namespaces": list(read.namespaces),
        "capabilities": sorted(LIVE_CAPABILITIES),
        "objects": read.count,
        "unreadable": [u.to_json() for u in read.unreadable],
    }


def _chunks(read: ClusterRead, created: dt.datetime | None) -> Iterator[bytes]:
    yield b'{"apiVersion":"v1","kind":"List","metadata":{},"snapshot":'
    yield orjson.dumps(header(read, created))
    yield b',"items":['
    first = True
    for obj in read.objects:
        yield (b"\n" if first else b",\n") + orjson.dumps(obj)
        first = False
    for _, raw in read.deferred:
        yield (b"\n" if first else b",\n") + raw
        first = False
    yield b"\n]}\n"


def write_snapshot(read: ClusterRead, path: Path, created: dt.datetime | None = None) -> None:
    """Write ``read`` to ``path`` object by object (gzip when the name ends in ``.gz``)."""
    if path.suffix == ".gz":
        with gzip.open(path, "wb", compresslevel=1) as gz:
            _write(gz.write, read, created)
    else:
        with path.open("wb") as fh:
            _write(fh.write, read, created)


def _write(
    write: Callable[[bytes], object], read: ClusterRead, created: dt.datetime | None
) -> None:
    # Batches of objects per write: one compressor call per object costs more than the JSON.
    batch: list[bytes] = []
    for chunk in _chunks(read, created):
        batch.append(chunk)
        if len(batch) >= 512:
            write(b"".join(batch))
            batch.clear()
    write(b"".join(batch))


def is_snapshot(raw: bytes) -> bool:
    """Whether bytes hold a Stockade snapshot (by content, not by name)."""
    head = raw[:_SNIFF_BYTES]
    return head.lstrip()[:1] == b"{" and _MARKER in head


def _error(
    display: str, message: str
) -> tuple[list[Resource], list[ScanError], list[UnreadableKind]]:
    return [], [ScanError(display, 1, message, "Capture it again with `stockade snapshot`.")], []


def read_snapshot(
    raw: bytes, display: str
) -> tuple[list[Resource], list[ScanError], list[UnreadableKind]]:
    """Resources (``live=True``), errors and unreadable kinds of a snapshot's bytes."""
    data = _parse_by_line(raw)
    if data is None:
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            return _error(display, f"snapshot is not valid JSON: {exc.msg}")
    meta = data.get("snapshot") if isinstance(data, dict) else None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        return _error(display, "snapshot block missing or of another format")
    version = meta.get("version")
    if not isinstance(version, int) or version > VERSION:
        return _error(
            display,
            f"snapshot version {version!r} is newer than this Stockade reads ({VERSION})",
        )
    items = data.get("items")
    if not isinstance(items, list):
        return _error(display, "snapshot has no items list")
    errors: list[ScanError] = []
    objects: list[dict[str, Any]] = []
    for i, item in enumerate(items):
        if (
            not isinstance(item, dict)
            or not isinstance(item.get("kind"), str)
            or not isinstance(item.get("apiVersion"), str)
        ):
            errors.append(
                ScanError(
                    display,
                    None,
                    f"snapshot item {i} has no apiVersion/kind",
                    "Each item must be a Kubernetes object.",
                )
            )
            continue
        objects.append(normalise(item, item["apiVersion"], item["kind"]))
    unreadable = [
        UnreadableKind.from_json(u) for u in meta.get("unreadable") or () if isinstance(u, dict)
    ]
    resources, _ = live_resources(
        objects, f"cluster:{meta.get('context') or 'snapshot'}", data.get("deferred") or ()
    )
    return resources, errors, unreadable


def _parse_by_line(raw: bytes) -> dict[str, Any] | None:
    """Parse the layout `write_snapshot` produces, one item per line, without a second copy.

    Objects a controller owns are kept as their raw line (a fraction of a parsed dict's size)
    until it is known whether their owner was captured; most never need parsing. Returns None
    for any other layout, which is then parsed whole.
    """
    lines = raw.split(b"\n")
    if len(lines) < 3 or not lines[0].endswith(b',"items":[') or lines[-2] != b"]}":
        return None
    try:
        data: dict[str, Any] = orjson.loads(lines[0][: -len(b',"items":[')] + b"}")
        items: list[Any] = []
        deferred: list[tuple[str, bytes]] = []
        for line in lines[1:-2]:
            body = line[:-1] if line.endswith(b",") else line
            owner = deferrable_owner(body)
            if owner is not None:
                deferred.append((owner, body))
            else:
                items.append(orjson.loads(body))
    except orjson.JSONDecodeError:
        return None
    data["items"] = items
    data["deferred"] = deferred
    return data
