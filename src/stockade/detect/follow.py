"""Following growing audit logs (``--follow``), across rotation and truncation.

The API server's log backend rotates by renaming the file and opening a new one at the same
path (``--audit-log-maxsize``/``maxbackup``); log shippers sometimes copy and truncate in
place. A `Follower` reads each path to its end, then on every poll: reads what was appended,
finishes the old file and reopens the path when its inode changed, and starts over when the
file shrank. Partial lines wait for their newline.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from stockade.detect.readers import ReadItem, read_lines
from stockade.model import ScanError

_CHUNK = 1 << 20


@dataclass(slots=True)
class _Tail:
    path: str
    handle: BinaryIO | None = None
    inode: int | None = None
    line: int = 0
    pending: bytes = b""
    missing_reported: bool = False
    generation: int = 0
    buffer: list[bytes] = field(default_factory=list)


class Follower:
    """Polls files for new audit events; `poll` never blocks."""

    def __init__(self, paths: list[str]) -> None:
        self._tails = [_Tail(p) for p in paths]

    def poll(self) -> list[ReadItem]:
        """Everything appended since the last poll, in file order."""
        out: list[ReadItem] = []
        for tail in self._tails:
            out.extend(self._poll_one(tail))
        return out

    def close(self) -> None:
        """Close every open file."""
        for tail in self._tails:
            if tail.handle is not None:
                tail.handle.close()
                tail.handle = None

    def _open(self, tail: _Tail) -> list[ReadItem]:
        try:
            handle = open(tail.path, "rb")  # noqa: SIM115 - kept open across polls
        except OSError as exc:
            if not tail.missing_reported:
                tail.missing_reported = True
                return [
                    ReadItem(
                        tail.path,
                        0,
                        error=ScanError(
                            tail.path,
                            None,
                            f"cannot read: {exc.strerror or exc}",
                            "Waiting for the file to appear.",
                        ),
                    )
                ]
            return []
        tail.handle = handle
        tail.inode = os.fstat(handle.fileno()).st_ino
        tail.line = 0
        tail.pending = b""
        tail.missing_reported = False
        return []

    def _read(self, tail: _Tail) -> list[ReadItem]:
        assert tail.handle is not None
        lines: list[bytes] = []
        first = tail.line + 1
        while True:
            chunk = tail.handle.read(_CHUNK)
            if not chunk:
                break
            data = tail.pending + chunk
            parts = data.split(b"\n")
            tail.pending = parts.pop()
            lines.extend(parts)
        tail.line += len(lines)
        return list(read_lines(lines, tail.path, first)) if lines else []

    def _poll_one(self, tail: _Tail) -> list[ReadItem]:
        out: list[ReadItem] = []
        if tail.handle is None:
            out.extend(self._open(tail))
            if tail.handle is None:
                return out
        out.extend(self._read(tail))
        try:
            st = os.stat(tail.path)
        except OSError:
            return out  # rotated away and not yet recreated: keep the old handle
        if st.st_ino != tail.inode:
            # Rotated: the old file is finished (read above); a partial last line is complete.
            if tail.pending.strip():
                out.extend(read_lines([tail.pending], tail.path, tail.line + 1))
            assert tail.handle is not None
            tail.handle.close()
            tail.handle = None
            out.extend(self._open(tail))
            if tail.handle is not None:
                out.extend(self._read(tail))
        elif st.st_size < (tail.handle.tell() if tail.handle else 0):
            # Truncated in place (copytruncate): start over from the beginning.
            assert tail.handle is not None
            tail.handle.seek(0)
            tail.line = 0
            tail.pending = b""
            out.extend(self._read(tail))
        return out


def follow(
    paths: list[str],
    stop: Callable[[], bool] = lambda: False,
    interval: float = 0.5,
) -> Iterator[ReadItem]:
    """Read ``paths`` and keep reading what is appended until ``stop()`` is true."""
    follower = Follower(paths)
    try:
        while True:
            items = follower.poll()
            yield from items
            if stop():
                return
            if not items:
                time.sleep(interval)
    finally:
        follower.close()
