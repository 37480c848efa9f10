"""How often the worker's garbage collector runs (CPython's cyclic collector).

Reference counting frees almost everything the worker makes; the cyclic collector exists for
the rest, and every full collection walks every tracked object. A correlation worker holds a
large, growing heap of long-lived, acyclic containers (rule state, held events, recent hits),
so CPython's default thresholds (700, 10, 10) had it walk that heap again and again: the
collector took 3.9 s of a 1,000-rule worker's 20,000-event replay (3.0 s in 19 full
collections) and 1.9 s of a 10-rule worker's (``bench.stage_scaling``, timed with
``gc.callbacks``). Thresholds of (10000, 50, 20) cut that to 1.3 s and 0.45 s; young cycles
(asyncio futures, exceptions) are still collected every 10,000 net allocations. Objects
made during start-up (modules, the app, the compiled rule set) are frozen out of every
collection (``gc.freeze``).
"""

from __future__ import annotations

import gc

DEFAULT_THRESHOLDS = (10_000, 50, 20)


def tune_gc(thresholds: tuple[int, int, int] = DEFAULT_THRESHOLDS, *,
            freeze: bool = True) -> None:
    """Set the collector's thresholds; ``freeze``: collect once, then leave every object alive
    now (start-up's) out of all later collections."""
    gc.set_threshold(*thresholds)
    if freeze:
        gc.collect()
        gc.freeze()
