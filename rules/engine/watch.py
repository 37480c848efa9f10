"""The watchlist in event time, kept by the engine itself (pure; state in a store).

A ``watchlisted:`` predicate asks whether an entity was on an active watchlist entry *when
the event happened*. Asked when the event arrives, the answer depends on arrival order: a
plate read published a second after the entry that lists its plate may be read first (they
come through different topics). So clauses that ask ``watchlisted:`` are *deferred*: the
engine holds their events like any stateful event and evaluates the clause when the
watermark releases it; by then every entry older than the event has been released too
(entries are events of the ``watchlist`` feed, held and released in the same order), and the
engine has applied them here.

The answer is: listed here at the event's time, or listed in what the caller's context said
when the event arrived (``EvalContext``, e.g. the Redis watchlist, which may know entries this
engine never saw, or a rule test's fixed watchlist). Watchlist entries are broadcast: the
intake sends them to every correlation partition (``partitioning.BROADCAST_FEEDS``), so each
partition's engine knows the whole list.

Entries are applied when they *arrive* (not when the watermark releases them): the state keeps
each entry's listed, expiry and removal times, so "listed at time t" has the same answer
whichever arrives first, and a clause can be answered at once when its entity is listed
already (``RuleEngine``: immediate if listed, else on release). A worker group that starts
with no state is seeded from the watchlist's record of record (``seed``).

State: ``watch/<entity key>`` = ``{"<agency>/<entry id>": [listed at or None, expires at or
None, removed at or None]}`` (seconds since the epoch; listed None: a removal that came before
its listing); ``watchentry/<agency>/<entry id>`` = the entry (``rules.watchlist.WatchlistEntry``
JSON: reason, listing event), for the built-in crossing rule's findings;
``engine/watch-seeded`` once seeded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence

from fusion.contract import EventEnvelope, WatchlistAttributes
from rules.engine.state import StateStore
from rules.language.conditions import AllOf, AnyOf, Condition, NoneOf, Watchlisted
from rules.language.spec import EventFilter
from rules.watchlist import WatchlistEntry, entry_from_event

PREFIX = "watch/"
ENTRY_PREFIX = "watchentry/"
SEEDED_KEY = "engine/watch-seeded"
Times = list[float | None]


def asks_watchlist(spec: EventFilter) -> bool:
    """Whether the filter's ``where`` has a ``watchlisted:`` predicate anywhere."""
    return spec.where is not None and _asks(spec.where)


def _asks(condition: Condition) -> bool:
    match condition:
        case Watchlisted():
            return True
        case AllOf():
            return any(_asks(c) for c in condition.all)
        case AnyOf():
            return any(_asks(c) for c in condition.any)
        case NoneOf():
            return _asks(condition.not_)
    return False


def _active(times: Sequence[float | None], at: float) -> bool:
    listed, expires, removed = times
    return (listed is not None and listed <= at and (expires is None or at < expires)
            and (removed is None or at < removed))


class EventTimeWatchlist:
    def __init__(self, store: StateStore) -> None:
        self._store = store
        self._parsed: dict[str, tuple[object, WatchlistEntry]] = {}

    def apply(self, event: EventEnvelope) -> None:
        """Take a ``watchlist`` feed event (add or remove an entry) at its event time."""
        attributes = WatchlistAttributes.model_validate(event.attributes)
        self.note(entry_from_event(event, attributes), removal=attributes.action == "remove")

    def note(self, entry: WatchlistEntry, *, removal: bool = False) -> None:
        """An entry listed (or removed) at ``entry.listed_at``, whatever arrived before."""
        store_id, when = entry.store_id, entry.listed_at.timestamp()
        expires = entry.expires_at.timestamp() if entry.expires_at else None
        for key in entry.keys:
            state = self._store.get(PREFIX + key) or {}
            current: Times | None = state.get(store_id)
            if removal:
                if current is None:
                    state[store_id] = [None, None, when]
                elif current[0] is not None and when < float(current[0]):
                    continue  # a removal of an earlier listing of this id
                elif current[2] is None or when < float(current[2]):
                    current[2] = when
                else:
                    continue
            else:
                removed = current[2] if current is not None else None
                if removed is not None and float(removed) <= when:
                    removed = None  # listed again after its removal
                if current == [when, expires, removed]:
                    continue
                state[store_id] = [when, expires, removed]
            self._store.set(PREFIX + key, state)
        if not removal:
            self._store.set(ENTRY_PREFIX + store_id, entry.model_dump(mode="json"))

    @property
    def seeded(self) -> bool:
        return self._store.get(SEEDED_KEY) is not None

    def seed(self, entries: Iterable[WatchlistEntry]) -> int:
        """Apply the entries of the watchlist's record of record, once per state."""
        count = 0
        for entry in entries:
            self.note(entry)
            count += 1
        self._store.set(SEEDED_KEY, {"entries": count})
        return count

    def listed(self, key: str, at: float) -> bool:
        """Whether an entry applied here lists ``key`` at event time ``at``."""
        state = self._store.get(PREFIX + key)
        return state is not None and any(_active(times, at) for times in state.values())

    def entries_at(self, keys: Iterable[str], at: float) -> dict[str, list[WatchlistEntry]]:
        """The entries listing each of ``keys`` at event time ``at`` (keys with none left
        out), each with the times this state holds for it."""
        found: dict[str, list[WatchlistEntry]] = {}
        for key in keys:
            state = self._store.get(PREFIX + key)
            if not state:
                continue
            for store_id, times in state.items():
                if _active(times, at):
                    entry = self._entry(store_id, times)
                    if entry is not None:
                        found.setdefault(key, []).append(entry)
        return found

    def _entry(self, store_id: str, times: Sequence[float | None]) -> WatchlistEntry | None:
        stored = self._store.get(ENTRY_PREFIX + store_id)
        if stored is None:
            return None
        cached = self._parsed.get(store_id)
        if cached is None or cached[0] is not stored:
            cached = (stored, WatchlistEntry.model_validate(stored))
            self._parsed[store_id] = cached
        entry = cached[1]
        listed, expires = times[0], times[1]
        assert listed is not None  # only active times come here
        wanted = (dt.datetime.fromtimestamp(listed, dt.UTC),
                  None if expires is None else dt.datetime.fromtimestamp(expires, dt.UTC))
        if (entry.listed_at, entry.expires_at) != wanted:  # listed again since: these times
            entry = entry.model_copy(update={"listed_at": wanted[0], "expires_at": wanted[1]})
        return entry
