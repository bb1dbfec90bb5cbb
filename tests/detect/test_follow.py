"""--follow: appended lines, rotation by rename, truncation, partial lines."""

from __future__ import annotations

import os
from pathlib import Path

import orjson

from stockade.detect.follow import Follower, follow
from stockade.detect.readers import ReadItem

from tests.detect.auditevents import event


def _line(verb: str) -> bytes:
    return orjson.dumps(event(verb, "pods")) + b"\n"


def _verbs(items: list[ReadItem]) -> list[str]:
    return [i.event.verb for i in items if i.event is not None]


def test_appends_rotation_and_truncation(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    log.write_bytes(_line("get"))
    f = Follower([str(log)])
    assert _verbs(f.poll()) == ["get"]
    assert f.poll() == []
    with log.open("ab") as out:
        out.write(_line("list"))
        out.write(_line("watch")[:20])  # a partial line waits for its newline
    assert _verbs(f.poll()) == ["list"]
    with log.open("ab") as out:
        out.write(_line("watch")[20:])
    assert _verbs(f.poll()) == ["watch"]
    # Rotation: the old file gets one more line, is renamed, and a new file appears.
    with log.open("ab") as out:
        out.write(_line("create"))
    os.rename(log, tmp_path / "audit-2026.log")
    log.write_bytes(_line("delete"))
    assert _verbs(f.poll()) == ["create", "delete"]
    # copytruncate: the file shrinks and is written again from the start.
    log.write_bytes(_line("patch"))
    assert _verbs(f.poll()) == ["patch"]
    f.close()


def test_missing_file_is_reported_once_then_picked_up(tmp_path: Path) -> None:
    log = tmp_path / "later.log"
    f = Follower([str(log)])
    first = f.poll()
    assert len(first) == 1 and first[0].error is not None
    assert f.poll() == []
    log.write_bytes(_line("get"))
    assert _verbs(f.poll()) == ["get"]
    f.close()


def test_follow_generator_stops_when_told(tmp_path: Path) -> None:
    log = tmp_path / "audit.log"
    log.write_bytes(_line("get") + _line("list"))
    seen: list[str] = []
    for item in follow([str(log)], stop=lambda: len(seen) >= 2, interval=0.01):
        if item.event is not None:
            seen.append(item.event.verb)
    assert seen == ["get", "list"]
