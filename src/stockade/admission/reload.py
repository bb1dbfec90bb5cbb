"""Reloading certificates and config when their files change, without a restart.

Files are polled by signature (inode, size, mtime; ``stat`` follows the symlinks a Secret
volume swaps on rotation). A change is applied only when the new files load completely: a half
written pair or a broken config keeps the previous one in force, and the next poll retries.

TLS: the listening socket keeps one *front* `ssl.SSLContext` whose SNI callback — which OpenSSL
calls on every handshake, with or without a server name — moves the connection to the *current*
context. Swapping that reference is atomic; handshakes in progress keep the context they started
with.
"""

from __future__ import annotations

import logging
import os
import ssl
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from stockade.errors import StockadeError

log = logging.getLogger("stockade.admission")
_T = TypeVar("_T")

Signature = tuple[tuple[int, int, int] | None, ...]


def file_signature(paths: list[Path]) -> Signature:
    """What changes when any of the files is replaced or rewritten (None for a missing file)."""
    out: list[tuple[int, int, int] | None] = []
    for p in paths:
        try:
            st = os.stat(p)
        except OSError:
            out.append(None)
        else:
            out.append((st.st_ino, st.st_size, st.st_mtime_ns))
    return tuple(out)


class Reloadable(Generic[_T]):
    """A value built from files, rebuilt when they change; the last good value stays current."""

    def __init__(self, name: str, paths: list[Path], build: Callable[[], _T]) -> None:
        self.name = name
        self.paths = paths
        self._build = build
        self._signature = file_signature(paths)
        self.current: _T = build()
        self.generation = 1

    def poll(self) -> bool | None:
        """Rebuild when the files changed: True when swapped, False when the new files failed,
        None when nothing changed."""
        sig = file_signature(self.paths)
        if sig == self._signature:
            return None
        try:
            value = self._build()
        except (StockadeError, ssl.SSLError, OSError, ValueError) as exc:
            detail = exc.message if isinstance(exc, StockadeError) else type(exc).__name__
            log.error(
                "reload failed; keeping the previous version",
                extra={"event": {"reload": self.name, "error": detail}},
            )
            # The failed version is remembered: the next attempt is on the next change of the
            # files (a rotation completing), not a log line every poll.
            self._signature = sig
            return False
        self.current = value
        self._signature = sig
        self.generation += 1
        log.info("reloaded", extra={"event": {"reload": self.name, "generation": self.generation}})
        return True


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A TLS server context for one certificate chain and key (TLS 1.2 or later)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(str(cert), str(key))
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


class TlsReloader(Reloadable[ssl.SSLContext]):
    """The serving certificate, hot-swappable under one listening socket."""

    def __init__(self, cert: Path, key: Path) -> None:
        super().__init__("tls", [cert, key], lambda: server_context(cert, key))
        self.front = server_context(cert, key)
        self.front.sni_callback = self._select

    def _select(self, conn: ssl.SSLObject, server_name: str | None, ctx: ssl.SSLContext) -> None:
        current = self.current
        if conn.context is not current:
            conn.context = current
