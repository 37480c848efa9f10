"""Token buckets per agency: ``rate`` events per second sustained, ``burst`` at once. The
clock is passed in, so the tests step time instead of sleeping."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from fusion.contract import Agency


@dataclass
class TokenBucket:
    rate: float
    burst: float
    tokens: float
    updated: float

    def take(self, n: int, now: float) -> float:
        """Take ``n`` tokens and return 0, or take none and return the seconds to wait."""
        self.tokens = min(self.burst, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if n <= self.tokens:
            self.tokens -= n
            return 0.0
        return (n - self.tokens) / self.rate


class RateLimiter:
    def __init__(self, *, rate: float, burst: int, clock: Callable[[], float]) -> None:
        self._rate, self._burst, self._clock = rate, burst, clock
        self._buckets: dict[Agency, TokenBucket] = {}

    def admit(self, agency: Agency, events: int) -> int:
        """0 if ``agency`` may post ``events`` now, else whole seconds to wait (Retry-After)."""
        now = self._clock()
        bucket = self._buckets.get(agency)
        if bucket is None:
            bucket = self._buckets[agency] = TokenBucket(self._rate, self._burst, self._burst, now)
        wait = bucket.take(events, now)
        return math.ceil(wait) if wait > 0 else 0
