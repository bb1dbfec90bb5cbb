"""How long a full garbage collection stalls the admission webhook, with and without its freeze.

In one process, as `stockade webhook serve` holds it (the server's modules imported, the policy
built, a few hundred typical reviews judged so that every lazy path has run), a full collection
is timed with nothing frozen, then after `stockade.memory.freeze_long_lived`, which the server
calls after start-up and after each reload. A full collection runs in the middle of whatever
request triggers it, so its duration is that request's added latency.

    python3 benchmarks/bench_gc_pause.py

The object counts do not depend on the machine; the milliseconds do.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_webhook import typical_review

import stockade.admission.server  # noqa: F401  (the server's modules, as when serving)
from stockade.admission.judge import judge
from stockade.admission.logs import decision_event
from stockade.admission.policy import Mode, load_policy
from stockade.admission.review import parse_review
from stockade.memory import freeze_long_lived, thaw_long_lived


def full_collection_ms(runs: int = 5) -> tuple[float, int]:
    """Median wall milliseconds of ``gc.collect()``, and the objects it can walk."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        gc.collect()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), len(gc.get_objects())


def main() -> None:
    """Print both timings."""
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()
    policy = load_policy(None, None, "enforce", "high")
    for i in range(500):  # every lazy import and cache, as after the first requests
        request = parse_review(typical_review(i))
        decision_event(request, judge(request, policy, Mode.ENFORCE), 0.001)

    ms, objects = full_collection_ms()
    print(f"full collection, nothing frozen: {ms:.1f} ms over {objects:,} objects")
    freeze_long_lived()
    ms, objects = full_collection_ms()
    print(f"full collection, long-lived frozen: {ms:.2f} ms over {objects:,} objects")
    thaw_long_lived()


if __name__ == "__main__":
    main()
