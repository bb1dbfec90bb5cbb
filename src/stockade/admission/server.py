"""Serving the application with uvicorn over HTTPS only.

uvicorn listens with the reloader's front TLS context, so a rotated certificate is served on
the next handshake. It runs on uvloop and httptools (dependencies, which uvicorn's ``auto``
choice picks up) without an access log: the decision line is the one line per request. One
process per pod: the metrics and the reloaders live in it, so a scrape sees every request the
pod answered; scale out with replicas rather than workers. On SIGTERM uvicorn stops accepting
connections, lets requests in flight finish (up to ``drain_seconds``) and exits 0.
"""

from __future__ import annotations

import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import uvicorn

from stockade.admission.app import WebhookState, create_app
from stockade.admission.reload import TlsReloader


@dataclass(frozen=True, slots=True)
class ServeOptions:
    """Where and how to listen."""

    host: str = "0.0.0.0"
    port: int = 8443
    drain_seconds: float = 20.0


def build_server(
    state: WebhookState, cert: Path, key: Path, options: ServeOptions
) -> uvicorn.Server:
    """A uvicorn server for ``state``; `ssl.SSLError` or `OSError` when the pair cannot load."""
    if state.tls is None:
        state.tls = TlsReloader(cert, key)
    tls = state.tls

    def context(config: uvicorn.Config, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
        return tls.front

    config = uvicorn.Config(
        create_app(state),
        host=options.host,
        port=options.port,
        ssl_context_factory=context,
        ssl_certfile=str(cert),
        log_config=None,
        access_log=False,
        # The API server calls the webhook directly; no proxy's forwarded headers to trust.
        proxy_headers=False,
        server_header=False,
        date_header=False,
        timeout_graceful_shutdown=int(options.drain_seconds),
        lifespan="on",
    )
    return uvicorn.Server(config)
