"""Streaming readers: JSON lines, gzip, stdin, EventList bodies, malformed lines."""

from __future__ import annotations

import gzip
import io
import sys
from pathlib import Path

import orjson
import pytest

from stockade.detect import read_source, read_sources

from tests.detect.auditevents import event


def _lines(*docs: object) -> bytes:
    return b"\n".join(orjson.dumps(d) for d in docs) + b"\n"


def test_json_lines_with_a_malformed_line_keep_going(tmp_path: Path) -> None:
    path = tmp_path / "audit.log"
    path.write_bytes(
        _lines(event("get", "pods"))
        + b'{"kind": "Event", "verb"\n\n'
        + _lines(event("list", "pods"))
    )
    items = list(read_source(str(path)))
    assert [i.event.verb if i.event else None for i in items] == ["get", None, "list"]
    err = items[1].error
    assert err is not None and err.line == 2 and err.file == str(path)
    assert "malformed JSON" in err.message and err.hint


def test_gzip_is_detected_by_content(tmp_path: Path) -> None:
    path = tmp_path / "audit.log.1"
    path.write_bytes(gzip.compress(_lines(event("get", "pods"), event("list", "pods"))))
    assert [i.event.verb for i in read_source(str(path)) if i.event] == ["get", "list"]


def test_eventlist_on_one_line_and_pretty_printed(tmp_path: Path) -> None:
    body = {
        "kind": "EventList",
        "apiVersion": "audit.k8s.io/v1",
        "items": [event("get", "pods"), event("delete", "pods"), {"kind": "Pod"}],
    }
    one = tmp_path / "batch.jsonl"
    one.write_bytes(orjson.dumps(body) + b"\n")
    pretty = tmp_path / "batch.json"
    pretty.write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2))
    for path in (one, pretty):
        items = list(read_source(str(path)))
        assert [i.event.verb for i in items if i.event] == ["get", "delete"]
        assert [i.error.line for i in items if i.error] == [1]


def test_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = io.TextIOWrapper(io.BytesIO(_lines(event("get", "pods"))))
    monkeypatch.setattr(sys, "stdin", fake)
    items = list(read_source("-"))
    assert [i.source for i in items] == ["<stdin>"] and items[0].event is not None


def test_missing_file_is_an_error_and_other_sources_still_read(tmp_path: Path) -> None:
    good = tmp_path / "a.log"
    good.write_bytes(_lines(event("get", "pods")))
    items = list(read_sources([str(tmp_path / "missing.log"), str(good)]))
    assert items[0].error is not None and "cannot read" in items[0].error.message
    assert items[1].event is not None


def test_not_an_audit_event() -> None:
    from stockade.detect import read_lines

    items = list(
        read_lines([b'{"apiVersion": "v1", "kind": "Pod"}', b"[1, 2]", b'{"kind": "Event"}'], "x")
    )
    assert [i.error.line for i in items if i.error] == [1, 2, 2, 3]


def test_v1beta1_and_versionless_events_are_accepted() -> None:
    from stockade.detect import read_lines

    old = event("get", "pods")
    old["apiVersion"] = "audit.k8s.io/v1beta1"
    old["timestamp"] = "2018-10-25T13:58:49Z"
    bare = event("get", "pods")
    del bare["apiVersion"]
    items = list(read_lines([orjson.dumps(old), orjson.dumps(bare)], "x"))
    assert all(i.event is not None for i in items)
