"""Stored events ("entries") and the time arithmetic the stateful kinds share (pure).

An entry is the JSON form of one event plus its event time in seconds, so rule state stays
plain data: ``{"t": 1795183200.0, "k": "CBP-OFO/x-1", "e": {...the event...}}``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from fusion.contract import Entity, EventEnvelope
from fusion.resolution.keys import entity_keys

Entry = dict[str, Any]


def make_entry(event: EventEnvelope) -> Entry:
    return {"t": event.occurred_at.timestamp(), "k": event.key,
            "e": event.model_dump(mode="json")}


def seconds(span: dt.timedelta) -> float:
    return span.total_seconds()


def to_time(value: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(value, tz=dt.UTC)


def order_key(entry: Entry) -> tuple[float, str]:
    """Event time, then event key: the one order every replay agrees on."""
    return (float(entry["t"]), str(entry["k"]))


def since(entries: Iterable[Entry], start: float) -> list[Entry]:
    """The entries at or after ``start`` (the rest have left the window)."""
    return [entry for entry in entries if entry["t"] >= start]


def events_of(entries: Iterable[Entry]) -> list[EventEnvelope]:
    """The events behind ``entries``, oldest first, each once."""
    return EventCache(0).events_of(entries)


class EventCache:
    """The event objects of recent entries, so a finding need not rebuild its evidence from
    JSON. A hit needs the very ``"e"`` dict the event was remembered with (an entry read back
    from serialised state is rebuilt instead). Holds at most ``size`` events, oldest dropped."""

    def __init__(self, size: int = 16384) -> None:
        self._size = size
        self._events: dict[str, tuple[object, EventEnvelope]] = {}

    def remember(self, entry: Entry, event: EventEnvelope) -> None:
        if self._size <= 0:
            return
        self._events.pop(entry["k"], None)
        self._events[entry["k"]] = (entry["e"], event)
        if len(self._events) > self._size:
            del self._events[next(iter(self._events))]

    def events_of(self, entries: Iterable[Entry]) -> list[EventEnvelope]:
        """The events behind ``entries``, oldest first, each once."""
        unique = {entry["k"]: entry for entry in entries}
        ordered = sorted(unique.values(), key=order_key)
        return [self._event(entry) for entry in ordered]

    def _event(self, entry: Entry) -> EventEnvelope:
        hit = self._events.get(entry["k"])
        if hit is not None and hit[0] is entry["e"]:
            return hit[1]
        return EventEnvelope.model_validate(entry["e"])


def group_entities(event: EventEnvelope, kind: str, role: str | None) -> list[tuple[str, Entity]]:
    """The event's entities of ``kind`` (in ``role``), each under its strongest key, once."""
    found: dict[str, Entity] = {}
    for entity in event.entities:
        if entity.kind != kind or (role is not None and entity.role != role):
            continue
        key = strongest_key(entity)
        if key is not None and key not in found:
            found[key] = entity
    return list(found.items())


_KEYS: dict[int, tuple[Entity, str | None]] = {}
_KEYS_HELD = 16384


def strongest_key(entity: Entity) -> str | None:
    """``entity_keys(entity)[0]`` (None when it has no key), remembered for the last few
    thousand entity objects: an event's entities are keyed at release, again by each rule that
    groups by them and by each finding, and working out a plate's key is not cheap. Entities
    are frozen, so an object's key never changes; the cache holds the object, so its id is
    not reused while cached."""
    hit = _KEYS.get(id(entity))
    if hit is not None and hit[0] is entity:
        return hit[1]
    keys = entity_keys(entity)
    key = keys[0] if keys else None
    if len(_KEYS) >= _KEYS_HELD:
        del _KEYS[next(iter(_KEYS))]
    _KEYS[id(entity)] = (entity, key)
    return key


def human_span(span: dt.timedelta) -> str:
    """``2h``, ``1d 3h``, ``45m``, ``20s``: how long a set of events took."""
    total = int(span.total_seconds())
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if total >= size:
            parts.append(f"{total // size}{unit}")
            total %= size
    if total or not parts:
        parts.append(f"{total}s")
    return " ".join(parts[:2])
