"""Event time per source partition: a correlation partition's watermark is the slowest
active source's highest event time minus the allowed lateness (as Flink does), not the
highest event time of all. A bulk load of many topics, read at different speeds, then does
not mark the slower topics' events late. A source silent for ``idle_after`` seconds of wall
time no longer holds event time back, unless the intake reports it *behind* (it has records
the intake has not processed, ``backlog``); when every source is silent, all that was seen is
complete and the watermark is the highest event time seen minus the lateness.

A source reported behind before any of its events reached this partition has no event time
yet: like a Flink input that has not sent its first watermark, it holds the watermark where
it is. A report of "behind" is a lease: it holds for ``behind_for`` seconds of wall time from
when the intake wrote it, and the intake renews it with every batch while the backlog lasts,
so a source whose intake went away (a rebalance, a crash) cannot hold event time back for
ever, and a report read again after its worker died (its offsets not committed) has already
run out.

Kept in memory, not in the state table: the engine's own watermark is persisted and never
moves back, so after a restart this only has to relearn which sources are active. Until
``idle_after`` seconds have passed since its first observation (the warm-up), it gives no
watermark, so a source that shows up a moment later than another is not marked late by it,
nor one whose first progress record comes in the batch after its first events. The warm-up
counts from the first observation, not from when the lane was made: ticks make a lane long
before a backlog's first shares reach it. Pure: wall time is passed in."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BEHIND_FOR = 60.0


@dataclass(slots=True)
class _Source:
    top: float | None  # highest event time seen (None: none of its events seen yet)
    seen: float  # wall time last heard of
    behind_until: float  # wall time its "behind" lease runs to (0: not behind)


class SourceWatermarks:
    def __init__(self, *, idle_after: float, lateness: float, started: float | None = None,
                 behind_for: float = DEFAULT_BEHIND_FOR) -> None:
        """``started``: the wall time the warm-up runs from (None: the first observation);
        on the clock ``observe`` and ``watermark`` are given."""
        self._idle_after = idle_after
        self._lateness = lateness
        self._behind_for = behind_for
        self._ready_at = None if started is None else started + idle_after
        self._sources: dict[str, _Source] = {}

    def observe(self, source: str, event_time: float | None, wall: float, *,
                behind: bool | None = None, reported: float | None = None) -> None:
        """``source`` reached ``event_time`` (None: only its backlog is reported);
        ``behind``: whether it has records not processed yet (None: unchanged), as reported
        at wall time ``reported`` (default ``wall``): the lease runs from then."""
        if self._ready_at is None:
            self._ready_at = wall + self._idle_after
        known = self._sources.get(source)
        if known is None:
            known = self._sources[source] = _Source(event_time, wall, 0.0)
        elif event_time is not None:
            known.top = event_time if known.top is None else max(known.top, event_time)
        known.seen = wall
        if behind is not None:
            since = wall if reported is None else min(wall, reported)
            known.behind_until = since + self._behind_for if behind else 0.0

    def waiting_for(self, wall: float) -> list[str]:
        """The sources behind whose events have not arrived yet (they hold the watermark)."""
        return sorted(name for name, source in self._sources.items()
                      if source.top is None and source.behind_until > wall)

    def watermark(self, wall: float) -> float | None:
        """The watermark the sources allow (None before the first event, while warming up,
        and while a source behind has no event time yet)."""
        if not self._sources or self._ready_at is None or wall < self._ready_at:
            return None
        active: list[float] = []
        for source in self._sources.values():
            if source.behind_until > wall or (source.top is not None
                                              and wall - source.seen <= self._idle_after):
                if source.top is None:
                    return None  # its events are still to come: hold
                active.append(source.top)
        if not active:
            tops = [s.top for s in self._sources.values() if s.top is not None]
            if not tops:
                return None
            active = [max(tops)]
        return min(active) - self._lateness
