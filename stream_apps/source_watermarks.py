"""Event time per source partition: a correlation partition's watermark is the slowest
active source's highest event time minus the allowed lateness (as Flink does), not the
highest event time of all. A bulk load of many topics, read at different speeds, then does
not mark the slower topics' events late. A source silent for ``idle_after`` seconds of wall
time no longer holds event time back, unless it is known to have records not read yet (the
worker is behind on it); when every source is silent, all that was seen is complete and the
watermark is the highest event time seen minus the lateness.

Kept in memory, not in the state table: the engine's own watermark is persisted and never
moves back, so after a restart this only has to relearn which sources are active. Until
``idle_after`` seconds have passed since it started (the warm-up), it gives no watermark, so
a source that shows up a moment later than another is not marked late by it. Pure: wall
time is passed in."""

from __future__ import annotations


class SourceWatermarks:
    def __init__(self, *, idle_after: float, lateness: float, started: float) -> None:
        self._idle_after = idle_after
        self._lateness = lateness
        self._ready_at = started + idle_after
        # source -> (top event time, wall time last heard of, has a backlog)
        self._sources: dict[str, tuple[float, float, bool]] = {}

    def observe(self, source: str, event_time: float, wall: float, *,
                behind: bool | None = None) -> None:
        """``behind``: whether the source has records not read yet (None: unchanged)."""
        top, _, was_behind = self._sources.get(source, (event_time, wall, False))
        self._sources[source] = (max(top, event_time), wall,
                                 was_behind if behind is None else behind)

    def watermark(self, wall: float) -> float | None:
        """The watermark the sources allow (None before the first event and while warming
        up)."""
        if not self._sources or wall < self._ready_at:
            return None
        sources = self._sources.values()
        active = [top for top, seen, behind in sources
                  if behind or wall - seen <= self._idle_after]
        latest = active or [max(top for top, _, _ in sources)]
        return min(latest) - self._lateness
