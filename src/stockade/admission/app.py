"""The ASGI application: ``POST /validate``, ``/healthz``, ``/readyz``, ``/metrics``.

Every failure of the client's making is a 400 with ``{"error", "hint"}``; the process never
dies of a request. Config and certificate files are polled in the background and swapped when a
complete new version loads.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from stockade.admission.judge import Verdict, judge
from stockade.admission.logs import DecisionWriter, log_decision
from stockade.admission.metrics import CONTENT_TYPE, WebhookMetrics
from stockade.admission.namespaces import NamespaceLabels, StaticNamespaceLabels
from stockade.admission.policy import AdmissionPolicy, Mode, load_policy
from stockade.admission.reload import Reloadable, TlsReloader
from stockade.admission.review import (
    MAX_BODY_BYTES,
    AdmissionRequest,
    ReviewError,
    parse_review,
    review_response,
)
from stockade.memory import freeze_long_lived, thaw_long_lived

log = logging.getLogger("stockade.admission")


@dataclass
class WebhookState:
    """What the application serves with: the policy, namespace labels, metrics, reloaders."""

    policy: Reloadable[AdmissionPolicy]
    namespaces: NamespaceLabels = field(default_factory=StaticNamespaceLabels)
    metrics: WebhookMetrics = field(default_factory=WebhookMetrics)
    tls: TlsReloader | None = None
    max_body_bytes: int = MAX_BODY_BYTES
    reload_interval: float = 5.0
    draining: bool = False
    # Through `logging` unless the server sets a writer up once (`logs.StreamDecisions`).
    decisions: DecisionWriter = log_decision

    @classmethod
    def from_files(
        cls,
        config: Path | None,
        own_namespace: str | None = None,
        mode: str | None = None,
        fail_on: str | None = None,
        **kwargs: Any,
    ) -> WebhookState:
        """A state whose policy is rebuilt from ``config`` whenever the file changes."""
        paths = [config] if config is not None else []
        policy = Reloadable(
            "config", paths, lambda: load_policy(config, own_namespace, mode, fail_on)
        )
        return cls(policy=policy, **kwargs)

    def poll(self) -> bool:
        """Check the config and the certificate once, counting the outcome; True when the
        policy was replaced."""
        replaced = False
        for item in (self.policy, self.tls):
            if item is None:
                continue
            changed = item.poll()
            if changed is not None:
                self.metrics.reloads.labels(item.name, "ok" if changed else "error").inc()
                replaced = replaced or (changed and item is self.policy)
        return replaced


def _bad(error: ReviewError, metrics: WebhookMetrics) -> tuple[int, bytes]:
    metrics.count(metrics.requests, "400")
    log.warning("bad request", extra={"event": {"error": error.message}})
    return 400, orjson.dumps(error.to_json())


def _header(scope: Scope, name: bytes) -> str | None:
    """The first value of a header, as Starlette's ``Headers.get`` finds it."""
    for key, value in scope["headers"]:
        if key == name:
            text: str = value.decode("latin-1")
            return text
    return None


async def _read_body(scope: Scope, receive: Receive, limit: int) -> bytes:
    declared = _header(scope, b"content-length")
    too_large = ReviewError(
        f"request body is larger than {limit} bytes",
        "AdmissionReviews are bounded by the API server's request size; check the client.",
    )
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientDisconnect()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


def _namespace_of(req: AdmissionRequest) -> str:
    if req.namespace:
        return req.namespace
    meta = (req.object or {}).get("metadata")
    ns = meta.get("namespace") if isinstance(meta, dict) else None
    return ns if isinstance(ns, str) else ""


async def _mode(state: WebhookState, policy: AdmissionPolicy, req: AdmissionRequest) -> Mode:
    namespace = _namespace_of(req)
    if (
        req.operation not in ("CREATE", "UPDATE")
        or not namespace
        or policy.exemption(req, namespace) is not None
    ):
        return policy.default_mode
    return policy.mode_for(await state.namespaces.labels(namespace))


def _answer(req: AdmissionRequest, verdict: Verdict) -> bytes:
    annotations = {"decision": verdict.decision}
    if verdict.mode is not None:
        annotations["mode"] = verdict.mode.value
    if verdict.rules:
        annotations["rules"] = ",".join(verdict.rules)
    return review_response(
        req.uid, verdict.allowed, verdict.message, list(verdict.warnings), annotations
    )


def create_app(state: WebhookState) -> ValidateFirst:
    """The webhook application over ``state``."""
    metrics = state.metrics

    async def validate(scope: Scope, receive: Receive) -> tuple[int, bytes]:
        """Status and JSON body of the answer to one ``POST /validate``."""
        start = time.perf_counter()
        metrics.in_flight.inc()
        try:
            ctype = _header(scope, b"content-type") or ""
            if ctype.split(";")[0].strip().lower() != "application/json":
                return _bad(
                    ReviewError(
                        f"content type {ctype[:64]!r} is not application/json",
                        "Post the AdmissionReview with Content-Type: application/json.",
                    ),
                    metrics,
                )
            try:
                req = parse_review(await _read_body(scope, receive, state.max_body_bytes))
            except ReviewError as exc:
                return _bad(exc, metrics)
            policy = state.policy.current
            try:
                verdict = judge(req, policy, await _mode(state, policy, req))
            except Exception as exc:  # the request boundary: one bad object never stops serving
                metrics.count(metrics.requests, "500")
                log.error(
                    "internal error",
                    extra={
                        "event": {"uid": req.uid, "kind": req.kind, "error": type(exc).__name__}
                    },
                )
                return 500, orjson.dumps({"error": "internal error while judging", "uid": req.uid})
            body = _answer(req, verdict)
            elapsed = time.perf_counter() - start
            metrics.record(verdict)
            metrics.count(metrics.requests, "200")
            metrics.latency.observe(elapsed)
            state.decisions(req, verdict, elapsed)
            return 200, body
        finally:
            metrics.in_flight.dec()

    async def validate_route(request: Request) -> Response:
        status, body = await validate(request.scope, request.receive)
        return Response(body, status, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return Response(b"ok\n", media_type="text/plain")

    async def readyz(request: Request) -> Response:
        if state.draining:
            return Response(b"draining\n", 503, media_type="text/plain")
        if not state.namespaces.synced():
            return Response(b"namespace labels not synced\n", 503, media_type="text/plain")
        return Response(b"ready\n", media_type="text/plain")

    async def metrics_endpoint(request: Request) -> Response:
        return Response(metrics.exposition(), headers={"content-type": CONTENT_TYPE})

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async def poll_forever() -> None:
            while True:
                await asyncio.sleep(state.reload_interval)
                if state.poll():
                    freeze_long_lived()

        start = getattr(state.namespaces, "start", None)
        if callable(start):
            start()
        freeze_long_lived()
        task = asyncio.create_task(poll_forever())
        try:
            yield
        finally:
            thaw_long_lived()
            state.draining = True
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            state.namespaces.close()

    routed = Starlette(
        routes=[
            Route("/validate", validate_route, methods=["POST"]),
            Route("/healthz", healthz, methods=["GET"]),
            Route("/readyz", readyz, methods=["GET"]),
            Route("/metrics", metrics_endpoint, methods=["GET"]),
        ],
        lifespan=lifespan,
    )
    return ValidateFirst(validate, routed)


class ValidateFirst:
    """``POST /validate`` answered without routing, middleware or a `Response` object.

    It is every request the API server sends, and Starlette's layers cost a tenth of its CPU.
    Everything else (other methods and paths, lifespan) goes to the Starlette application,
    which also routes ``/validate`` to the same handler, so its answers do not depend on the
    path a request takes.
    """

    def __init__(
        self,
        validate: Callable[[Scope, Receive], Awaitable[tuple[int, bytes]]],
        app: Starlette,
    ) -> None:
        self.validate = validate
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The ASGI entry point."""
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/validate":
            status, body = await self.validate(scope, receive)
            # The headers, in order, of Response(body, status, media_type="application/json").
            headers = [
                (b"content-length", str(len(body)).encode("latin-1")),
                (b"content-type", b"application/json"),
            ]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)
