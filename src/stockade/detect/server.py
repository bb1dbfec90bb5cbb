"""``stockade detect serve``: the HTTPS receiver for the API server's audit webhook.

The API server POSTs ``EventList`` batches (``--audit-webhook-config-file``). A batch is
answered 200 only once it is durably spooled; when the spool is full the answer is 429 with
``Retry-After`` (the API server retries 429, and any error carrying Retry-After, but drops a
batch answered with a bare 503). A body that is not an audit EventList is answered 400: a
retry would not fix it. A single worker thread processes the spool in order.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from stockade.detect.alert import Alert
from stockade.detect.engine import Detector
from stockade.detect.registry import AuditRule
from stockade.detect.settings import DetectSettings
from stockade.detect.spool import Spool, SpoolFull

MAX_BODY = 12 * 1024 * 1024  # the API server's default webhook batch limit is below this
RETRY_AFTER = "5"


def _valid_batch(doc: Any) -> bool:
    if isinstance(doc, dict):
        return doc.get("kind") in ("EventList", "Event")
    return isinstance(doc, list)


def build_app(spool: Spool) -> Starlette:
    """The ASGI app: POST / (or /audit) accepts a batch; GET /healthz answers ok."""

    async def receive(request: Request) -> Response:
        length = request.headers.get("content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            return PlainTextResponse("batch too large\n", status_code=413)
        body = await request.body()
        if len(body) > MAX_BODY:
            return PlainTextResponse("batch too large\n", status_code=413)
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError:
            return PlainTextResponse("body is not JSON\n", status_code=400)
        if not _valid_batch(doc):
            return PlainTextResponse("expected an audit.k8s.io EventList\n", status_code=400)
        try:
            seq = await run_in_threadpool(spool.accept, body)
        except SpoolFull:
            return PlainTextResponse(
                "spool full, retry later\n", status_code=429, headers={"Retry-After": RETRY_AFTER}
            )
        except OSError:
            return PlainTextResponse(
                "spool write failed\n", status_code=503, headers={"Retry-After": RETRY_AFTER}
            )
        return JSONResponse({"accepted": seq})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True, "pending": spool.pending})

    return Starlette(
        routes=[
            Route("/", receive, methods=["POST"]),
            Route("/audit", receive, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
        ]
    )


class SpoolWorker(threading.Thread):
    """Processes the spool in the background until stopped."""

    def __init__(
        self, spool: Spool, detector: Detector, on_alert: Callable[[Alert], None] | None = None
    ) -> None:
        super().__init__(name="stockade-spool", daemon=True)
        self.spool = spool
        self.detector = detector
        self.on_alert = on_alert
        self._stop_event = threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            if self.spool.process_pending(self.detector, self.on_alert) == 0:
                self.spool.wait(0.2)

    def stop(self) -> None:
        """Ask the worker to finish its current batch and end."""
        self._stop_event.set()


def run_server(
    *,
    spool_dir: Path,
    rules: Sequence[AuditRule],
    settings: DetectSettings,
    host: str,
    port: int,
    tls_cert: Path,
    tls_key: Path,
    client_ca: Path | None = None,
    max_pending: int = 1000,
    on_alert: Callable[[Alert], None] | None = None,
) -> None:
    """Recover the spool, start the worker, serve HTTPS until interrupted."""
    import uvicorn

    spool = Spool(spool_dir, max_pending=max_pending)
    worker = SpoolWorker(spool, Detector(rules, settings), on_alert)
    worker.start()
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "ssl_certfile": str(tls_cert),
        "ssl_keyfile": str(tls_key),
        "log_level": "warning",
        "access_log": False,
    }
    if client_ca is not None:
        options["ssl_ca_certs"] = str(client_ca)
        options["ssl_cert_reqs"] = ssl.CERT_REQUIRED
    try:
        uvicorn.run(build_app(spool), **options)
    finally:
        worker.stop()
        worker.join(timeout=10)
