"""``POST /validate`` skips Starlette: its answers, headers and log lines must match Starlette's.

`create_app` returns `ValidateFirst`, whose ``app`` is the Starlette application that routes
every path, ``/validate`` included; each request goes to both and the answers are compared.
The decision line the server writes straight to its log stream (`StreamDecisions`, no
`logging.LogRecord`) is compared with the one a record makes through the same `JsonFormatter`.
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from stockade.admission.app import ValidateFirst, WebhookState, create_app
from stockade.admission.judge import judge
from stockade.admission.logs import JsonFormatter, StreamDecisions, log_decision
from stockade.admission.policy import Mode, load_policy
from stockade.admission.review import parse_review

from tests.admission.harness import PRIVILEGED, asgi_call, deployment, request_for


def _review(request: dict[str, Any]) -> bytes:
    return orjson.dumps(
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
    )


@pytest.fixture(scope="module")
def app() -> ValidateFirst:
    state = WebhookState.from_files(None, mode="enforce", max_body_bytes=64 * 1024)
    return create_app(state)


JSON = [(b"content-type", b"application/json")]
GOOD = _review(request_for(deployment()))
DENIED = _review(request_for(deployment(container=PRIVILEGED)))
CASES: dict[str, tuple[str, str, list[tuple[bytes, bytes]], list[bytes], int]] = {
    "allowed": ("POST", "/validate", [*JSON, (b"content-length", b"%d" % len(GOOD))], [GOOD], 200),
    "denied, in chunks": ("POST", "/validate", JSON, [DENIED[:100], DENIED[100:]], 200),
    "charset": (
        "POST",
        "/validate",
        [(b"content-type", b"Application/JSON; charset=utf-8")],
        [GOOD],
        200,
    ),
    "wrong content type": ("POST", "/validate", [(b"content-type", b"text/plain")], [GOOD], 400),
    "no content type": ("POST", "/validate", [], [GOOD], 400),
    "declared oversize": (
        "POST",
        "/validate",
        [*JSON, (b"content-length", b"70000")],
        [b"{}"],
        400,
    ),
    "streamed oversize": ("POST", "/validate", JSON, [b" " * 40000, b" " * 40000], 400),
    "invalid JSON": ("POST", "/validate", JSON, [b"{not json"], 400),
    "empty body": ("POST", "/validate", JSON, [], 400),
    "GET /validate": ("GET", "/validate", [], [], 405),
    "unknown path": ("POST", "/nope", JSON, [GOOD], 404),
    "health": ("GET", "/healthz", [], [], 200),
}


@pytest.mark.parametrize("case", CASES)
def test_answers_match_starlette(app: ValidateFirst, case: str) -> None:
    method, path, headers, chunks, status = CASES[case]
    lean = asgi_call(app, method, path, headers, chunks)
    routed = asgi_call(app.app, method, path, headers, chunks)
    assert lean == routed
    assert lean[0] == status


def test_metrics_count_both_paths_alike(app: ValidateFirst) -> None:
    def counted() -> bytes:
        lines = asgi_call(app, "GET", "/metrics", [], [])[2].splitlines()
        return b"\n".join(line for line in lines if b"duration" not in line)

    before = counted()
    asgi_call(app, "POST", "/validate", JSON, [DENIED])
    asgi_call(app, "POST", "/validate", JSON, [b"[]"])
    lean = counted()
    asgi_call(app.app, "POST", "/validate", JSON, [DENIED])
    asgi_call(app.app, "POST", "/validate", JSON, [b"[]"])
    routed = counted()
    assert before != lean

    def increments(a: bytes, b: bytes) -> dict[bytes, float]:
        def values(text: bytes) -> dict[bytes, float]:
            pairs = (line.rsplit(b" ", 1) for line in text.splitlines() if line[:1] != b"#")
            return {name: float(value) for name, value in pairs}

        old, new = values(a), values(b)
        return {k: v - old.get(k, 0.0) for k, v in new.items() if v != old.get(k, 0.0)}

    assert increments(before, lean) == increments(lean, routed)


@pytest.fixture
def own_stream() -> Iterator[tuple[logging.Logger, io.StringIO, logging.StreamHandler[Any]]]:
    """The decision logger alone with a JSON stream handler, as the server sets it up."""
    logger = logging.getLogger("stockade.admission")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    saved = (logger.handlers[:], logger.propagate, logger.level)
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    yield logger, stream, handler
    logger.handlers[:], logger.propagate, _ = saved
    logger.setLevel(saved[2])


def _decide() -> tuple[Any, Any]:
    obj = deployment(container=PRIVILEGED, annotations={"stockade.dev/ignore": "nope"})
    req = parse_review(_review(request_for(obj, dry_run=True)))
    return req, judge(req, load_policy(None, mode="enforce"), Mode.ENFORCE)


_TIME = re.compile(rb'^\{"time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00",')


def test_decision_line_without_a_record_is_the_same(
    own_stream: tuple[logging.Logger, io.StringIO, logging.StreamHandler[Any]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logger, stream, handler = own_stream
    req, verdict = _decide()
    assert verdict.findings and verdict.errors  # violations and problems are in the line

    with monkeypatch.context() as m:
        m.setattr(logger, "makeRecord", None)  # the stream writer builds none
        StreamDecisions(handler, logger.getEffectiveLevel())(req, verdict, 0.0012345)
    lean = stream.getvalue().encode()
    stream.seek(0)
    stream.truncate()
    log_decision(req, verdict, 0.0012345)
    reference = stream.getvalue().encode()

    assert _TIME.match(lean) and _TIME.match(reference)
    assert lean.count(b"\n") == 1 and lean.endswith(b"\n")
    assert _TIME.sub(b"", lean) == _TIME.sub(b"", reference)


@pytest.mark.parametrize("where", ["logger", "handler"])
def test_level_filtering_still_applies(
    own_stream: tuple[logging.Logger, io.StringIO, logging.StreamHandler[Any]], where: str
) -> None:
    logger, stream, handler = own_stream
    (logger if where == "logger" else handler).setLevel(logging.WARNING)
    req, verdict = _decide()
    StreamDecisions(handler, logger.getEffectiveLevel())(req, verdict, 0.001)
    log_decision(req, verdict, 0.001)
    assert stream.getvalue() == ""
