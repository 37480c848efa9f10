"""The reorder buffer: events held until the watermark passes them (pure; state in a store).

Each held event has its own key, ``held/<event key>``: ``{"t", "k", "e", "m"}`` (time, event
key, the event as JSON, and the ``[rule id, clause]`` pairs it passed). The index that says
which to release next is bucketed by minute of event time: ``engine/held/<minute>`` =
``{"due": [[t, event key], ...]}`` sorted oldest first, and ``engine/held`` =
``{"minutes": [minute, ...]}`` lists the buckets that hold something. Holding one event writes
the event and its minute's bucket (and the list only for a new minute); releasing writes the
buckets it empties or cuts. A single index over every held event was written whole on each
hold: under a backlog (days of events held at once) each changelog write carried megabytes.
An index written by an older version (``{"due": [...]}`` in ``engine/held``) is split into
buckets on first use. The buffer keeps the parsed events it holds in memory beside the
store, so a release parses an event's text only after a restart (or a new rule set).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from fusion.contract import EventEnvelope
from rules.engine.state import JsonDict, StateStore
from rules.engine.windows import Entry, event_of, event_text, make_entry

INDEX_KEY = "engine/held"
BUCKET_SECONDS = 60


@dataclass(frozen=True, slots=True)
class Held:
    """One released event: its entry (as rule state stores it), the object, its clauses."""

    entry: Entry
    event: EventEnvelope
    matched: list[list[str]]
    extra: JsonDict | None = None
    """What the engine kept with the event beyond its clauses (``hold(extra=...)``)."""


class ReorderBuffer:
    def __init__(self, store: StateStore) -> None:
        self._store = store
        self._events: dict[str, EventEnvelope] = {}  # by event key, while held

    def hold(self, event: EventEnvelope, when: float, key: str,
             matched: list[list[str]], extra: JsonDict | None = None) -> None:
        """Keep ``event`` (at event time ``when``) until released; a key held twice keeps the
        first. ``extra``: plain JSON the engine wants back with the event (stored as "x")."""
        held_key = _held_key(key)
        if self._store.get(held_key) is not None:
            return
        entry = make_entry(event)
        entry["m"] = matched
        if extra:
            entry["x"] = extra
        self._store.set(held_key, entry)
        self._events[key] = event
        self._index_add(when, key)

    def release(self, watermark: float) -> list[Held]:
        """The held events older than ``watermark``, oldest first (ties by event key),
        removed from the buffer."""
        minutes = self._minutes()
        emptied = 0
        ready: list[list[object]] = []
        while emptied < len(minutes) and minutes[emptied] * BUCKET_SECONDS < watermark:
            bucket_key = _bucket_key(minutes[emptied])
            due: list[list[object]] = (self._store.get(bucket_key) or {"due": []})["due"]
            cut = bisect.bisect_left(due, [watermark])
            ready += due[:cut]
            if cut < len(due):  # the watermark stops inside this minute
                if cut:
                    self._store.set(bucket_key, {"due": due[cut:]})
                break
            self._store.delete(bucket_key)
            emptied += 1
        if emptied:
            self._store.set(INDEX_KEY, {"minutes": minutes[emptied:]})
        out: list[Held] = []
        for _, key in ready:
            event = self._events.pop(str(key), None)
            held = self._store.get(_held_key(str(key)))
            if held is None:  # already gone: nothing to hand on
                continue
            self._store.delete(_held_key(str(key)))
            out.append(self._rebuild(held, event))
        return out

    def _rebuild(self, held: JsonDict, event: EventEnvelope | None) -> Held:
        data = held["e"]
        if not isinstance(data, str):  # held by an older version: its JSON object
            event = event or event_of(held)
            data = event_text(event)
        entry: Entry = {"t": held["t"], "k": held["k"], "e": data}
        # the event held in memory, unless it was held before a restart (parsed then)
        return Held(entry=entry, event=event or event_of(entry), matched=held["m"],
                    extra=held.get("x"))


    def _minutes(self) -> list[int]:
        """The minutes that have a bucket, oldest first (an older single index split)."""
        index = self._store.get(INDEX_KEY)
        if not index:
            return []
        if "due" in index:  # written by a version with one index: bucket it once
            self._store.set(INDEX_KEY, {"minutes": []})
            for when, key in index["due"]:
                self._index_add(float(when), str(key))
            index = self._store.get(INDEX_KEY) or {"minutes": []}
        minutes: list[int] = index["minutes"]
        return minutes

    def _index_add(self, when: float, key: str) -> None:
        minute = int(when // BUCKET_SECONDS)
        bucket_key = _bucket_key(minute)
        bucket = self._store.get(bucket_key)
        if bucket is None:
            bucket = {"due": []}
            minutes = self._minutes()
            bisect.insort(minutes, minute)
            self._store.set(INDEX_KEY, {"minutes": minutes})
        bisect.insort(bucket["due"], [when, key])
        self._store.set(bucket_key, bucket)


def _bucket_key(minute: int) -> str:
    return f"{INDEX_KEY}/{minute}"


def _held_key(event_key: str) -> str:
    return f"held/{event_key}"
