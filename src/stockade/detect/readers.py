"""Streaming readers for audit logs: JSON lines, gzip, stdin and ``EventList`` bodies.

The log backend writes one ``Event`` per line; the webhook backend posts ``EventList``
documents. Both are read here one event at a time, so memory stays flat in the number of
events. A line that is not JSON, or not an audit event, becomes a `ScanError` with its line
number and the rest of the input is still read.
"""

from __future__ import annotations

import gzip
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple

import orjson

from stockade.detect.event import AUDIT_API_VERSIONS, AuditEvent, NotAnAuditEvent
from stockade.model import ScanError

STDIN = "-"
_HINT_JSON = "Each line must be one audit.k8s.io Event as JSON (the API server's log backend)."
_HINT_EVENT = "Expected an audit.k8s.io Event or EventList; check that this is an audit log."
# NOTE: a pretty-printed EventList (a saved webhook body) spans many lines; a document whose
# first line is only an opening brace is read whole. Webhook batches are bounded in size.
_DOCUMENT_OPENERS = (b"{", b"[")


class ReadItem(NamedTuple):
    """One item read from a source: an event, or an error in its place."""

    source: str
    line: int
    event: AuditEvent | None = None
    error: ScanError | None = None


def _open(path: str) -> IO[bytes] | gzip.GzipFile:
    if path == STDIN:
        return sys.stdin.buffer
    p = Path(path)
    with p.open("rb") as probe:
        magic = probe.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(p, "rb")
    return p.open("rb")


def events_from_document(doc: Any, source: str, line: int) -> Iterator[ReadItem]:
    """The events of one decoded document: an Event, an EventList or a JSON array of them."""
    if isinstance(doc, list):
        for item in doc:
            yield from events_from_document(item, source, line)
        return
    if isinstance(doc, dict) and doc.get("kind") == "EventList":
        items = doc.get("items")
        if not isinstance(items, list):
            yield ReadItem(
                source,
                line,
                error=ScanError(source, line, "EventList without an items list", _HINT_EVENT),
            )
            return
        for item in items:
            yield from _one_event(item, source, line)
        return
    yield from _one_event(doc, source, line)


def _one_event(doc: Any, source: str, line: int) -> Iterator[ReadItem]:
    try:
        yield ReadItem(source, line, event=AuditEvent.parse(doc))
    except NotAnAuditEvent as exc:
        yield ReadItem(source, line, error=ScanError(source, line, str(exc), _HINT_EVENT))


def read_lines(lines: Iterable[bytes], source: str, first_line: int = 1) -> Iterator[ReadItem]:
    """Parse JSON lines (bytes) into events; blank lines are skipped."""
    loads = orjson.loads
    parse = AuditEvent.parse
    make = AuditEvent
    versions = AUDIT_API_VERSIONS
    lineno = first_line - 1
    for raw in lines:
        lineno += 1
        try:
            doc = loads(raw)
        except orjson.JSONDecodeError as exc:
            if not raw.strip():
                continue  # blank line
            yield ReadItem(
                source,
                lineno,
                error=ScanError(source, lineno, f"malformed JSON: {exc.msg}", _HINT_JSON),
            )
            continue
        # NOTE: the common case, a well-formed Event, is checked inline (hot path); anything
        # else goes through the full validation for its error message.
        if type(doc) is dict:
            get = doc.get
            if (
                get("kind") == "Event"
                and get("apiVersion") in versions
                and type(get("auditID")) is str
                and type(get("stage")) is str
                and type(get("verb")) is str
            ):
                yield ReadItem(source, lineno, make(doc), None)
                continue
        if isinstance(doc, dict) and doc.get("kind", "Event") == "Event":
            try:
                yield ReadItem(source, lineno, event=parse(doc))
            except NotAnAuditEvent as exc:
                yield ReadItem(
                    source, lineno, error=ScanError(source, lineno, str(exc), _HINT_EVENT)
                )
        else:
            yield from events_from_document(doc, source, lineno)


def read_source(path: str) -> Iterator[ReadItem]:
    """Every event of a file (plain or gzip) or of stdin (``-``), in order."""
    label = "<stdin>" if path == STDIN else path
    stream: IO[bytes] | gzip.GzipFile
    try:
        stream = _open(path)
    except OSError as exc:
        yield ReadItem(
            label,
            0,
            error=ScanError(
                label,
                None,
                f"cannot read: {exc.strerror or exc}",
                "Check the path and permissions.",
            ),
        )
        return
    try:
        lines = iter(stream)
        first: bytes | None = None
        first_no = 0
        for first in lines:
            first_no += 1
            if first.strip():
                break
        if first is None or not first.strip():
            return
        if first.strip() in _DOCUMENT_OPENERS:
            yield from _read_document(first + b"".join(lines), label, first_no)
            return
        yield from read_lines((first,), label, first_no)
        yield from read_lines(lines, label, first_no + 1)
    except (OSError, EOFError) as exc:
        yield ReadItem(
            label,
            0,
            error=ScanError(
                label, None, f"read failed: {exc}", "The file may be truncated or not gzip."
            ),
        )
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _read_document(data: bytes, source: str, line: int) -> Iterator[ReadItem]:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        yield ReadItem(
            source,
            line,
            error=ScanError(source, line, f"malformed JSON document: {exc.msg}", _HINT_JSON),
        )
        return
    yield from events_from_document(doc, source, line)


def read_sources(paths: Iterable[str]) -> Iterator[ReadItem]:
    """Events of several sources, one after the other."""
    for path in paths:
        yield from read_source(path)
