"""Keeping the cyclic garbage collector out of the pipeline's way.

Loading and scanning allocate millions of small dicts, lists and findings that never form
reference cycles. With the default thresholds the collector rescans the growing live inventory
again and again, so its cost grows with the square of the input. While the pipeline runs, what
already exists is frozen (never rescanned) and young collections run less often; cyclic garbage
(parser objects) is still collected, so memory stays bounded.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

_THRESHOLDS = (100_000, 50, 1_000)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Freeze existing objects and collect young garbage rarely; restore on exit (re-entrant)."""
    before = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*before)
        if before != _THRESHOLDS:
            gc.unfreeze()
