"""Fixtures: generated certificates, real servers on loopback, captured JSON logs."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator

import pytest

from stockade.admission.app import WebhookState
from stockade.admission.certs import CertPaths
from stockade.admission.logs import JsonFormatter

from tests.admission.harness import Running, make_certs, start, stop


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> CertPaths:
    """One certificate set for tests that do not rotate it."""
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture
def serve(certs: CertPaths) -> Iterator[Callable[..., Running]]:
    """Start servers for a test; all are stopped after it."""
    started: list[Running] = []

    def _serve(state: WebhookState, cert_paths: CertPaths | None = None) -> Running:
        running = start(state, cert_paths or certs)
        started.append(running)
        return running

    yield _serve
    for running in started:
        stop(running)


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """The webhook's log lines, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("stockade.admission")
    logger.addHandler(handler)
    old = logger.level
    logger.setLevel(logging.INFO)
    yield stream
    logger.removeHandler(handler)
    logger.setLevel(old)
