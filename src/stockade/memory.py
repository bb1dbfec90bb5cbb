"""Keeping the cyclic garbage collector out of the pipeline's way.

Loading and scanning allocate millions of small dicts, lists and findings that never form
reference cycles. With the default thresholds the collector rescans the growing live inventory
again and again, so its cost grows with the square of the input. While the pipeline runs, what
already exists is frozen (never rescanned) and young collections run less often; cyclic garbage
(parser objects) is still collected, so memory stays bounded.

A long-running server is the other way round: what lives long (catalogue, policy, modules) is
built once, and each request makes a little short-lived garbage. There the long-lived objects
are frozen for good, so that the full collections requests trigger walk only what requests
made, a fraction of a millisecond instead of tens, taken in the middle of a request.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_THRESHOLDS = (100_000, 50, 1_000)
_long_lived_frozen = False


def freeze_long_lived() -> None:
    """Collect, then freeze everything alive; call after a server's start-up and each reload.

    An earlier freeze is undone first, so the cycles of a replaced policy are freed rather than
    kept. While this is in force `cyclic_gc_paused` leaves the collector alone: unfreezing at its
    exit would undo the freeze, and a server scans one object at a time.
    """
    global _long_lived_frozen
    gc.unfreeze()
    gc.collect()
    gc.freeze()
    _long_lived_frozen = True


def thaw_long_lived() -> None:
    """Undo `freeze_long_lived` when the server stops (tests run many servers in one process)."""
    global _long_lived_frozen
    _long_lived_frozen = False
    gc.unfreeze()


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Freeze existing objects and collect young garbage rarely; restore on exit (re-entrant)."""
    if _long_lived_frozen:
        yield
        return
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if before != _THRESHOLDS:
            gc.unfreeze()
