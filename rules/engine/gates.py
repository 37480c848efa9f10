"""Clauses that only extend rule state, routed by that state rather than by their filter (pure).

A clause that is *idle when empty* (``StatefulKind.idle_when_empty``: a later step of an
ordered sequence, an absence's ``then``) changes nothing for a group key its rule holds no
state for. In a large catalogue many such clauses pass most events of their feed (fifty
"... then a seizure" steps pass every seizure), while their rules hold state for few keys.
Testing each per event, holding each with the event and reading each rule's state at release
would cost in proportion to the catalogue, so the engine *gates* them instead:

- on arrival, ``may_open`` says whether any gated clause of the event's feed and type could
  pass (the route index's value lookup, no test); the event is then held with ``GATED``;
- on release, ``open`` takes, for each grouping of the event's gated clauses, the rules that
  hold state for the event's group keys (``LiveStates``; and the rules this event reaches
  through other clauses, which may create state first), tests only their gated clauses and
  puts those that pass among the event's other clauses, in route order.

So a gated clause is applied exactly when it would have been (it passes, and its rule may have
state for the key: the engine still reads it and skips a key with none), at a cost that grows
with the rules holding state for the event's keys, not with the catalogue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from fusion.contract import Entity
from rules.engine.compiled import CompiledFilter, EvalContext
from rules.engine.index import Bucket, RouteIndex, bucket_of, passes, type_buckets
from rules.engine.probe import Probe
from rules.engine.state import StateStore
from rules.engine.windows import group_entities

GATED = ["", "gated"]
"""The pair held with an event that may pass gated clauses (expanded by ``Gates.open``)."""
RULE_PREFIX = "rule/"
NO_RULES: frozenset[str] = frozenset()
NOTHING_ASKED = EvalContext()

Grouping = tuple[str, str | None]
Groups = dict[Grouping, list[tuple[str, Entity]]]


class Gated(Protocol):
    @property
    def order(self) -> int: ...

    @property
    def rule_id(self) -> str: ...

    @property
    def clause(self) -> str: ...

    @property
    def test(self) -> CompiledFilter: ...


G = TypeVar("G", bound=Gated)


@dataclass(slots=True)
class _Table(Generic[G]):
    """One bucket's gated clauses of one grouping, by rule."""

    rules: set[str] = field(default_factory=set)
    routes: dict[str, list[G]] = field(default_factory=dict)


class Gates(Generic[G]):
    def __init__(self, routes: Iterable[G], *, gate: Callable[[G], Grouping | None]) -> None:
        """``routes``: every routed clause; ``gate(route)`` is the grouping of a gated one
        (None: not gated). ``ungated`` keeps the others, for the route index. Holds no state:
        which rules hold state for a key is each engine's ``LiveStates``."""
        everything = list(routes)
        groupings: dict[int, Grouping] = {}
        self.ungated: list[G] = []
        for route in everything:
            grouping = gate(route)
            if grouping is None:
                self.ungated.append(route)
            else:
                groupings[route.order] = grouping
        gated = [route for route in everything if route.order in groupings]
        self._orders = {(route.rule_id, route.clause): route.order for route in everything}
        self._index = RouteIndex(gated)
        self._tables: dict[Bucket, dict[Grouping, _Table[G]]] = {}
        for bucket, some in type_buckets(gated).items():
            tables = self._tables[bucket] = {}
            for route in some:
                table = tables.setdefault(groupings[route.order], _Table())
                table.rules.add(route.rule_id)
                table.routes.setdefault(route.rule_id, []).append(route)

    def may_open(self, probe: Probe) -> bool:
        """Whether a gated clause of the event's feed and type may pass (not tested)."""
        return self._index.any_candidate(probe)

    def open(self, matched: Sequence[list[str]], probe: Probe, groups: Groups,
             live: LiveStates) -> list[list[str]]:
        """``matched`` with ``GATED`` replaced: the gated clauses the event passes whose rule
        may hold state for one of its group keys (``live``), all in route order. ``groups``
        caches the event's entity groups (shared with the caller)."""
        rest = [pair for pair in matched if pair != GATED]
        tables = bucket_of(self._tables, probe)
        if not tables:
            return rest
        reached = {rule_id for rule_id, _clause in rest}  # may create state before a gate
        ctx = NOTHING_ASKED  # gated clauses never ask watchlisted: (the engine defers those)
        chosen: list[G] = []
        for grouping, table in tables.items():
            members = groups.get(grouping)
            if members is None:
                members = groups[grouping] = group_entities(probe.event, *grouping)
            rules = table.rules & reached
            for key, _entity in members:
                rules |= table.rules & live.of(key)
            for rule_id in rules:
                chosen += [route for route in table.routes[rule_id]
                           if passes(route.test, probe, ctx)]
        if not chosen:
            return rest
        chosen.sort(key=lambda route: route.order)
        return list(self._merge(matched, chosen))

    def _merge(self, matched: Sequence[list[str]], chosen: list[G]) -> Iterator[list[str]]:
        """``matched``'s pairs with ``chosen`` put in by route order (the rest of them where
        ``GATED`` stood)."""
        at = 0
        for pair in matched:
            if pair == GATED:
                yield from ([route.rule_id, route.clause] for route in chosen[at:])
                at = len(chosen)
                continue
            order = self._orders.get((pair[0], pair[1]))
            while order is not None and at < len(chosen) and chosen[at].order < order:
                yield [chosen[at].rule_id, chosen[at].clause]
                at += 1
            yield pair


class LiveStates:
    """Which rules hold state for each group key: an in-memory mirror of the store's
    ``rule/<rule id>/<group key>`` keys, read from the store (``keys()``) the first time it is
    asked and kept up to date by ``note``, which the engine calls for each rule state it
    creates or deletes. It is exact while the engine is the only writer of rule states in its
    store, as it is: one engine per store (the stream stage builds a new one for a partition
    after a rebalance, and for a new rule set)."""

    def __init__(self, store: StateStore) -> None:
        self._store = store
        self._rules: dict[str, set[str]] | None = None

    def of(self, key: str) -> set[str] | frozenset[str]:
        """The rules holding state for group key ``key``."""
        if self._rules is None:
            self._rules = self._read()
        return self._rules.get(key, NO_RULES)

    def note(self, rule_id: str, key: str, *, present: bool) -> None:
        """Rule ``rule_id``'s state for ``key`` was created (``present``) or deleted."""
        if self._rules is None:  # not read yet: the store will say
            return
        if present:
            self._rules.setdefault(key, set()).add(rule_id)
            return
        rules = self._rules.get(key)
        if rules is not None:
            rules.discard(rule_id)
            if not rules:
                del self._rules[key]

    def _read(self) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        stored_keys = self._store.keys()
        for stored in stored_keys:
            if stored.startswith(RULE_PREFIX):
                rule_id, slash, key = stored[len(RULE_PREFIX):].partition("/")
                if slash:
                    found.setdefault(key, set()).add(rule_id)
        return found
