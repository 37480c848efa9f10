"""``RecentIds``: which ids were seen lately, in bounded memory, for dropping repeats.

The intake asks it whether an ``AGENCY/event_id`` arrived before within a horizon (wall
time, from the clock passed in). It keeps ``generations`` dicts, each covering
``horizon / generations`` seconds or ``max_ids / generations`` ids, whichever fills first;
when the newest is full a fresh one starts and the oldest is dropped; a generation started more
than ``horizon + horizon / generations`` ago is dropped too. So an id is remembered for at
least ``(generations - 1) / generations`` of the horizon while the rate stays under
``max_ids / horizon``, and never much past it (``(generations + 1) / generations``); above that
rate the oldest ids go sooner (``horizon_now`` says how far back it reaches) and memory stays
at ``max_ids`` entries whatever the rate.

An entry is two 64-bit hashes, about 100 bytes with Python's dict and int objects (1,000,000
ids: about 100 MB): the id's and its position's (topic, partition, offset). The position
tells a repeat from a replay: the same record read again (after a rebalance, a retried batch,
a restart within the horizon) is at the same position and is not a repeat. Two different ids
with equal 64-bit hashes would be taken for one (probability about n^2 / 2^65: 3e-8 for
n = 1,000,000).

Pure: no I/O, no clock of its own.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable


class RecentIds:
    def __init__(self, *, horizon: float, max_ids: int, generations: int = 4) -> None:
        if horizon <= 0 or max_ids < generations or generations < 2:
            raise ValueError(f"RecentIds needs horizon > 0, generations >= 2 and max_ids >= "
                             f"generations; got {horizon}, {generations}, {max_ids}")
        self._horizon = horizon
        self._span = horizon / generations
        self._per_generation = max_ids // generations
        self._generations: deque[tuple[float, dict[int, int]]] = deque(maxlen=generations)

    def seen_before(self, key: str, position: Hashable, *, now: float) -> bool:
        """True when ``key`` was noted within the horizon at another position; otherwise
        note it (at ``position``) and return False."""
        id_hash, at = hash(key), hash(position)
        self._expire(now)
        for _, ids in reversed(self._generations):
            first = ids.get(id_hash)
            if first is not None:
                return first != at
        self._current(now)[id_hash] = at
        return False

    def again(self, key: str, *, now: float) -> bool:
        """True when ``key`` was noted within the horizon (at any position); otherwise note
        it and return False. For a reader that must take each thing once, however often it
        is delivered (the correlate lanes: a share read again after a rebalance)."""
        id_hash = hash(key)
        self._expire(now)
        for _, ids in reversed(self._generations):
            if id_hash in ids:
                return True
        self._current(now)[id_hash] = 0
        return False

    def __len__(self) -> int:
        return sum(len(ids) for _, ids in self._generations)

    def horizon_now(self, now: float) -> float:
        """Seconds back the oldest remembered id may reach (0 before anything is noted)."""
        return now - self._generations[0][0] if self._generations else 0.0

    def _expire(self, now: float) -> None:
        """Drop generations whose every id is older than the horizon (each took ids for at
        most ``span`` seconds from its start)."""
        oldest = now - self._horizon - self._span
        while self._generations and self._generations[0][0] <= oldest:
            self._generations.popleft()

    def _current(self, now: float) -> dict[int, int]:
        if self._generations:
            started, ids = self._generations[-1]
            if now - started < self._span and len(ids) < self._per_generation:
                return ids
        fresh: dict[int, int] = {}
        self._generations.append((now, fresh))  # drops the oldest when all are in use
        return fresh
