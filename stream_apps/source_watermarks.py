"""Event time per source partition: the correlate stage's watermark is the slowest active
source's highest event time minus the allowed lateness (as Flink does), not the highest
event time of all. A bulk load of many topics, read at different speeds, then does not mark
the slower topics' events late. A source silent for ``idle_after`` seconds of wall time no
longer holds event time back; when every source is silent, all that was seen is complete and
the watermark is the highest event time seen minus the lateness. Pure: wall time is passed
in; state is plain JSON kept in the engine's store (so it survives a restart with the rest
of the rule state)."""

from __future__ import annotations

from rules.engine import StateStore

SOURCES_KEY = "engine/sources"


class SourceWatermarks:
    def __init__(self, store: StateStore, *, idle_after: float, lateness: float) -> None:
        self._store = store
        self._idle_after = idle_after
        self._lateness = lateness

    def observe(self, source: str, event_time: float, wall: float) -> None:
        sources = self._store.get(SOURCES_KEY) or {}
        top, _ = sources.get(source, (event_time, wall))
        sources[source] = [max(top, event_time), wall]
        self._store.set(SOURCES_KEY, sources)

    def watermark(self, wall: float) -> float | None:
        """The watermark the sources allow (None before the first event)."""
        sources = self._store.get(SOURCES_KEY) or {}
        if not sources:
            return None
        active = [float(top) for top, seen in sources.values() if wall - seen <= self._idle_after]
        latest = active or [max(float(top) for top, _ in sources.values())]
        return min(latest) - self._lateness
