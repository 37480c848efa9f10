"""The reorder buffer: events held until the watermark passes them (pure; state in a store).

Each held event has its own key, ``held/<event key>``: ``{"t", "k", "e", "m"}`` (time, event
key, the event as JSON, and the ``[rule id, clause]`` pairs it passed). A small index,
``engine/held`` = ``{"due": [[t, event key], ...]}`` sorted oldest first, says which to
release next, so holding or releasing one event writes one small index and one event, never
the whole buffer. Each held entry carries its event object in memory (``windows.EventJson``), so a
release rebuilds an event from JSON only after a restart.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from fusion.contract import EventEnvelope
from rules.engine.state import JsonDict, StateStore
from rules.engine.windows import Entry, event_of, make_entry

INDEX_KEY = "engine/held"


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
        index = self._store.get(INDEX_KEY) or {"due": []}
        bisect.insort(index["due"], [when, key])
        self._store.set(INDEX_KEY, index)

    def release(self, watermark: float) -> list[Held]:
        """The held events older than ``watermark``, oldest first (ties by event key),
        removed from the buffer."""
        index = self._store.get(INDEX_KEY)
        if not index or not index["due"] or index["due"][0][0] >= watermark:
            return []
        due: list[list[object]] = index["due"]
        cut = bisect.bisect_left(due, [watermark])
        ready, index["due"] = due[:cut], due[cut:]
        self._store.set(INDEX_KEY, index)
        out: list[Held] = []
        for _, key in ready:
            held = self._store.get(_held_key(str(key)))
            if held is None:  # already gone: nothing to hand on
                continue
            self._store.delete(_held_key(str(key)))
            out.append(self._rebuild(held))
        return out

    def _rebuild(self, held: JsonDict) -> Held:
        entry: Entry = {"t": held["t"], "k": held["k"], "e": held["e"]}
        # the entry carries its event, unless it was held before a restart (rebuilt once)
        return Held(entry=entry, event=event_of(entry), matched=held["m"],
                    extra=held.get("x"))


def _held_key(event_key: str) -> str:
    return f"held/{event_key}"
