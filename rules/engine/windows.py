"""Stored events ("entries") and the time arithmetic the stateful kinds share (pure).

An entry is one event as compact JSON text plus its event time in seconds and its key, so
rule state stays plain data: ``{"t": 1795183200.0, "k": "CBP-OFO/x-1", "e": "{...}"}``.

Why text: rules decide on ``t``, ``k`` and the values they keep beside them (``v``); the
event itself is needed only when a rule fires (its evidence). A parsed event and its JSON as
Python dicts cost several KB per event, held by every rule state that kept it (and, after a
restart, copied once per state); the text is one string of a few hundred bytes, made once
per event and shared by every state in memory (``event_text``), parsed back only for a
finding (``event_of``). Entries written as JSON objects by an older version still read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from fusion.contract import Entity, EventEnvelope
from fusion.memo import per_object
from fusion.resolution.keys import entity_keys

Entry = dict[str, Any]


class EventJson(dict[str, Any]):
    """An event's JSON form, as rule state keeps it and the changelog carries it, that also
    carries the parsed event while it is in memory (``event``). ``json.dumps`` writes it as the
    plain dict it is, and state read back from a changelog holds plain dicts, whose event is
    rebuilt once (``event_of``). So evidence costs no re-validation however long a rule's
    window, and the parsed event lives exactly as long as some state refers to it."""

    __slots__ = ("event",)

    def __init__(self, data: dict[str, Any], event: EventEnvelope) -> None:
        super().__init__(data)
        self.event = event


def make_entry(event: EventEnvelope) -> Entry:
    return {"t": event.occurred_at.timestamp(), "k": event.key, "e": event_text(event)}


@per_object(2048)
def event_text(event: EventEnvelope) -> str:
    """``event`` as compact JSON text, made once per event object: every rule state that
    keeps the event shares this one string."""
    return event.model_dump_json()


@per_object(1024)
def _parsed(text: str) -> EventEnvelope:
    return EventEnvelope.model_validate_json(text)


@per_object(4096)
def event_json(event: EventEnvelope) -> EventJson:
    """``event``'s JSON form (carrying the event), made once per event object: the evidence
    of every hit on it that the correlate stage keeps (``leads.recent_hits``) shares it.
    Nobody changes it in place."""
    return EventJson(event.model_dump(mode="json"), event)


def event_of(entry: Entry) -> EventEnvelope:
    """The event behind ``entry``, parsed from its text (once per text object while
    remembered: the states that share an event's text share its parse)."""
    data = entry["e"]
    if isinstance(data, str):
        return _parsed(data)
    if isinstance(data, EventJson):  # an entry made by an older version, in memory
        return data.event
    return EventEnvelope.model_validate(data)  # an older version's entry, from a changelog


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
    unique = {entry["k"]: entry for entry in entries}
    return [event_of(entry) for entry in sorted(unique.values(), key=order_key)]


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


@per_object(16384)
def strongest_key(entity: Entity) -> str | None:
    """``entity_keys(entity)[0]`` (None when it has no key), once per entity object: an
    event's entities are keyed at release, again by each rule that groups by them and by each
    finding, and working out a plate's key is not cheap."""
    keys = entity_keys(entity)
    return keys[0] if keys else None


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
