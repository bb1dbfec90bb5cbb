"""The serving process keeps its long-lived objects out of the cyclic collector's full passes.

A full collection walks every tracked object that is not frozen; with the catalogue and policy
in the heap that took tens of milliseconds in the middle of a request. These tests follow the
policy object: frozen while the server runs, still frozen after requests have been judged
(judging once unfroze everything), frozen again after a reload, and released at shutdown.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from pathlib import Path

from stockade.admission.app import WebhookState
from stockade.memory import cyclic_gc_paused

from tests.admission.harness import PRIVILEGED, Running, deployment, request_for, stop

Serve = Callable[..., Running]


def _frozen(obj: object) -> bool:
    """Tracked but in no collectable generation: in the permanent (frozen) one."""
    assert gc.is_tracked(obj)
    return not any(any(o is obj for o in gc.get_objects(g)) for g in range(3))


def test_policy_stays_frozen_while_requests_are_judged(serve: Serve) -> None:
    srv = serve(WebhookState.from_files(None, mode="enforce"))
    policy = srv.state.policy.current
    assert gc.get_freeze_count() > 0
    assert _frozen(policy)
    for _ in range(20):
        assert srv.review(request_for(deployment(container=PRIVILEGED)))["allowed"] is False
    assert _frozen(policy)
    # The server judges one object at a time: the scan's own pause must not undo the freeze.
    before = gc.get_threshold()
    with cyclic_gc_paused():
        assert gc.get_threshold() == before
    assert _frozen(policy)


def test_reloaded_policy_is_frozen_too(serve: Serve, tmp_path: Path) -> None:
    path = tmp_path / "stockade.yaml"
    path.write_text("admission:\n  mode: warn\n")
    srv = serve(WebhookState.from_files(path, reload_interval=0.05))
    first = srv.state.policy.current
    path.write_text("admission:\n  mode: enforce\n")
    deadline = time.monotonic() + 5
    while srv.state.policy.current is first or not _frozen(srv.state.policy.current):
        assert time.monotonic() < deadline, "the reloaded policy was not frozen"
        time.sleep(0.05)
    assert srv.review(request_for(deployment(container=PRIVILEGED)))["allowed"] is False


def test_shutdown_releases_the_freeze(serve: Serve) -> None:
    srv = serve(WebhookState.from_files(None))
    policy = srv.state.policy.current
    assert _frozen(policy)
    stop(srv)
    assert gc.get_freeze_count() == 0
    assert not _frozen(policy)
    # Batch scans in the same process pause the collector again.
    before = gc.get_threshold()
    with cyclic_gc_paused():
        assert gc.get_threshold() != before
    assert gc.get_threshold() == before
