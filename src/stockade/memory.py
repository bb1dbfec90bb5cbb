"""Pausing the cyclic garbage collector while the pipeline builds large acyclic structures.

Loading and scanning allocate millions of small dicts, lists and findings that never form
reference cycles. With the collector on, every few thousand allocations it rescans the whole live
inventory, so the cost grows with the square of the input. Reference counting still frees
everything; the pause only skips the cycle search, which is resumed afterwards.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Disable the cyclic collector for the duration (re-entrant; restores the previous state)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
