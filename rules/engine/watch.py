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

State: ``watch/<entity key>`` = ``{"<agency>/<entry id>": [listed at, expires at or None,
removed at or None]}`` (seconds since the epoch).
"""

from __future__ import annotations

from fusion.contract import EventEnvelope, WatchlistAttributes
from fusion.resolution.keys import entity_keys
from rules.engine.state import StateStore
from rules.language.conditions import AllOf, AnyOf, Condition, NoneOf, Watchlisted
from rules.language.spec import EventFilter

PREFIX = "watch/"


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


class EventTimeWatchlist:
    def __init__(self, store: StateStore) -> None:
        self._store = store

    def apply(self, event: EventEnvelope) -> None:
        """Take a ``watchlist`` feed event (add or remove an entry) at its event time."""
        attributes = WatchlistAttributes.model_validate(event.attributes)
        entry_id = f"{event.agency.value}/{attributes.entry_id}"
        when = event.occurred_at.timestamp()
        expires = attributes.expires_at.timestamp() if attributes.expires_at else None
        for entity in event.entities:
            for key in entity_keys(entity):
                state = self._store.get(PREFIX + key) or {}
                if attributes.action == "add":
                    state[entry_id] = [when, expires, None]
                elif entry_id in state:
                    state[entry_id][2] = when
                else:
                    continue
                self._store.set(PREFIX + key, state)

    def listed(self, key: str, at: float) -> bool:
        """Whether an entry applied here lists ``key`` at event time ``at``."""
        state = self._store.get(PREFIX + key)
        if not state:
            return False
        return any(listed <= at and (expires is None or at < expires)
                   and (removed is None or at < removed)
                   for listed, expires, removed in state.values())
