"""A durable spool for audit webhook batches, processed exactly once.

Layout of the spool directory::

    incoming/000000000042.json   one accepted batch (the EventList body, as received)
    alerts.jsonl                 alerts (the JSON contract, one per line) followed, per batch,
                                 by a commit record {"batch": 42, "events": N, "alerts": K}

A batch is acknowledged only after its file is written, fsynced and renamed into
``incoming/`` (and the directory fsynced). Processing appends the batch's alerts and then
its commit record to ``alerts.jsonl`` and fsyncs, and only then removes the batch file. On
start, anything after the last commit record is a batch cut short by a crash: it is
truncated away, and batches already committed but not yet removed are removed unprocessed.
So every acknowledged batch is processed exactly once, whatever instant the process dies.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import orjson

from stockade.detect.alert import Alert
from stockade.detect.engine import Detector
from stockade.detect.readers import events_from_document

_TAIL_CHUNK = 1 << 16


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


class SpoolFull(Exception):
    """More batches are waiting than the spool accepts: the client should retry later."""


class Spool:
    """Accepts batches durably and processes them in order, exactly once."""

    def __init__(self, root: Path, max_pending: int = 1000) -> None:
        self.root = root
        self.incoming = root / "incoming"
        self.alerts_path = root / "alerts.jsonl"
        self.max_pending = max_pending
        self.incoming.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._ready = threading.Condition(self._lock)
        last = self._recover()
        names = self._pending_names()
        self._next = max([last, *(int(n.split(".")[0]) for n in names)], default=0) + 1
        self._pending = len(names)

    # -- recovery ---------------------------------------------------------------------------
    def _recover(self) -> int:
        """Cut a half-written batch from alerts.jsonl; drop batches already committed."""
        for tmp in self.incoming.glob("*.tmp"):
            tmp.unlink()  # never acknowledged
        last = self._truncate_to_last_commit()
        for name in self._pending_names():
            if int(name.split(".")[0]) <= last:
                (self.incoming / name).unlink()
        _fsync_dir(self.incoming)
        return last

    def _truncate_to_last_commit(self) -> int:
        if not self.alerts_path.exists():
            return 0
        with self.alerts_path.open("r+b") as f:
            size = f.seek(0, os.SEEK_END)
            end = size
            tail = b""
            while end > 0:
                start = max(0, end - _TAIL_CHUNK)
                f.seek(start)
                tail = f.read(end - start) + tail
                end = start
                batch, cut = _last_commit(tail)
                if batch is not None:
                    keep = start + cut
                    if keep != size:
                        f.truncate(keep)
                        os.fsync(f.fileno())
                    return batch
            f.truncate(0)
            os.fsync(f.fileno())
            return 0

    def _pending_names(self) -> list[str]:
        return sorted(p.name for p in self.incoming.glob("*.json"))

    # -- accepting --------------------------------------------------------------------------
    @property
    def pending(self) -> int:
        """Batches accepted and not yet processed."""
        return self._pending

    def accept(self, body: bytes) -> int:
        """Write a batch durably; return its number. Raises `SpoolFull` under back-pressure.

        Writes are serialised so batch files appear strictly in number order: the worker
        then commits batches in order, which is what recovery relies on.
        """
        with self._ready:
            if self._pending >= self.max_pending:
                raise SpoolFull(self._pending)
            seq = self._next
            final = self.incoming / f"{seq:012d}.json"
            tmp = self.incoming / f"{seq:012d}.tmp"
            try:
                with tmp.open("wb") as f:
                    f.write(body)
                    f.flush()
                    os.fsync(f.fileno())
                os.rename(tmp, final)
                _fsync_dir(self.incoming)
            except BaseException:
                tmp.unlink(missing_ok=True)
                raise
            self._next += 1
            self._pending += 1
            self._ready.notify_all()
        return seq

    # -- processing -------------------------------------------------------------------------
    def process_pending(
        self, detector: Detector, on_alert: Callable[[Alert], None] | None = None
    ) -> int:
        """Process every waiting batch in order; return how many were processed."""
        done = 0
        for name in self._pending_names():
            self._process(self.incoming / name, detector, on_alert)
            done += 1
        return done

    def _process(
        self, path: Path, detector: Detector, on_alert: Callable[[Alert], None] | None
    ) -> None:
        seq = int(path.name.split(".")[0])
        data = path.read_bytes()
        alerts: list[Alert] = []
        events = 0
        try:
            doc: Any = orjson.loads(data)
        except orjson.JSONDecodeError:
            doc = None  # validated on receipt; a damaged file still gets its commit record
        for item in events_from_document(doc, f"batch {seq}", 1) if doc is not None else ():
            if item.event is not None:
                events += 1
            alerts.extend(detector.feed(item))
        lines = [orjson.dumps(a.to_json()) for a in alerts]
        lines.append(orjson.dumps({"batch": seq, "events": events, "alerts": len(alerts)}))
        with self.alerts_path.open("ab") as out:
            out.write(b"\n".join(lines) + b"\n")
            out.flush()
            os.fsync(out.fileno())
        path.unlink()
        with self._lock:
            self._pending -= 1
        if on_alert is not None:
            for alert in alerts:
                on_alert(alert)

    def wait(self, timeout: float) -> None:
        """Sleep until a batch is accepted or ``timeout`` passes."""
        with self._ready:
            if self._pending == 0:
                self._ready.wait(timeout)


def _last_commit(tail: bytes) -> tuple[int | None, int]:
    """The last commit record in ``tail`` and the offset just after its line."""
    lines = tail.split(b"\n")
    offset = len(tail)
    # The final element is what follows the last newline: never a complete line.
    offset -= len(lines[-1])
    for line in reversed(lines[:-1]):
        offset -= len(line) + 1
        if line.startswith(b'{"batch":'):
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            return int(record["batch"]), offset + len(line) + 1
    return None, 0


def read_alert_log(path: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Alerts and commit records of a spool's alerts.jsonl (for consumers and tests)."""
    alerts: list[dict[str, Any]] = []
    commits: list[dict[str, Any]] = []
    if not path.exists():
        return alerts, commits
    for line in _lines(path):
        record = orjson.loads(line)
        (commits if "batch" in record else alerts).append(record)
    return alerts, commits


def _lines(path: Path) -> Iterable[bytes]:
    with path.open("rb") as f:
        for line in f:
            if line.strip():
                yield line
