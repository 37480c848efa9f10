"""Which rule clauses an event can match, found without testing every clause of its feed.

Clauses are grouped by (feed, event type): a clause naming types sits only in the buckets of
those types, a clause naming none in every bucket of its feeds. Within a bucket, a clause whose
``where`` needs a field to equal one of a few values (an ``eq`` or ``in`` predicate in its
top-level ``all``, see ``IndexKey``) is filed under those values, on the field whose values
best split the bucket; the others are scanned. ``candidates`` reads each indexed field of the
event once and returns the clauses filed under its values plus the scanned ones, in the order
they were added. Every candidate is still tested in full: the index only skips clauses that
cannot match. A hit also proves the predicate the clause was filed under when that predicate
is the ``eq`` or ``in`` alone (``IndexKey.proves``): its result goes into the probe, so it
is not evaluated again.

``passing`` tests the candidates (each predicate once per event, see ``probe``); ``possible``
keeps those whose predicates on the event alone pass, for clauses whose ``watchlisted:`` part
is only known later (the engine defers them, ``watch``). Idle-when-empty clauses are not in
this index but in ``gates``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from fusion.contract import Feed
from rules.engine.compiled import EVALUATORS, CompiledFilter, EvalContext, IndexKey
from rules.engine.probe import Probe

NOTHING_WATCHLISTED = EvalContext()


class Indexed(Protocol):
    @property
    def order(self) -> int: ...

    @property
    def test(self) -> CompiledFilter: ...


R = TypeVar("R", bound=Indexed)
T = TypeVar("T")


@dataclass(slots=True)
class _Bucket(Generic[R]):
    scan: list[R] = field(default_factory=list)
    by_value: dict[tuple[str, ...], dict[object, list[R]]] = field(default_factory=dict)
    proven: dict[tuple[str, ...], dict[object, set[int]]] = field(default_factory=dict)
    """Per indexed field and value: the predicates an event with that value passes (their
    ``IndexKey.proves``), so the probe need not evaluate them."""


class RouteIndex(Generic[R]):
    def __init__(self, routes: Iterable[R]) -> None:
        self._by_order: dict[int, R] = {}
        for route in routes:
            self._by_order[route.order] = route
        self._buckets = {bucket: _bucket(some)
                         for bucket, some in type_buckets(self._by_order.values()).items()}

    def candidates(self, probe: Probe) -> Sequence[R]:
        """The routes ``probe``'s event may pass; each is of the event's feed and type."""
        bucket = bucket_of(self._buckets, probe)
        if bucket is None:
            return ()
        if not bucket.by_value:
            return bucket.scan
        hits = [hit for hit in self._hits(bucket, probe) if hit]
        if not hits:
            return bucket.scan
        if len(hits) == 1 and not bucket.scan:
            return hits[0]
        orders = {route.order for hit in hits for route in hit}
        orders.update(route.order for route in bucket.scan)
        by_order = self._by_order
        return [by_order[order] for order in sorted(orders)]  # in the order added, each once

    def any_candidate(self, probe: Probe) -> bool:
        """Whether ``candidates`` would return any route (without building the list)."""
        bucket = bucket_of(self._buckets, probe)
        if bucket is None:
            return False
        return bool(bucket.scan) or any(self._hits(bucket, probe))

    @staticmethod
    def _hits(bucket: _Bucket[R], probe: Probe) -> Iterator[list[R] | None]:
        """The routes filed under each value of each indexed field of the event; the
        predicates a hit proves are noted in the probe."""
        results = probe.results
        for paths, table in bucket.by_value.items():
            for path in paths:
                for value in probe.plain_values((path,)):
                    try:
                        hit = table.get(value)
                    except TypeError:  # unhashable: equals no scalar
                        continue
                    if hit:
                        for pid in bucket.proven[paths][value]:
                            results[pid] = True
                    yield hit

    def passing(self, probe: Probe, ctx: EvalContext) -> list[R]:
        """The candidates whose ``where`` ``probe``'s event passes, in the order added. Each
        predicate is evaluated once per probe, however many candidates share it."""
        results = probe.results
        passed: list[R] = []
        for route in self.candidates(probe):  # ``passes``, written out: no call per route
            pids = route.test.conjuncts
            if pids is None:
                if route.test.where(probe, ctx):
                    passed.append(route)
                continue
            for pid in pids:
                result = results.get(pid)
                if result is None:
                    result = results[pid] = EVALUATORS[pid](probe, ctx)
                if not result:
                    break
            else:
                passed.append(route)
        return passed

    def possible(self, probe: Probe) -> list[R]:
        """The candidates ``probe``'s event may pass whatever the context says: their
        conjuncts that read the event alone pass (``event_conjuncts``), or their ``where`` is
        not a plain conjunction. In the order added."""
        results = probe.results
        found: list[R] = []
        for route in self.candidates(probe):
            for pid in route.test.event_conjuncts or ():
                result = results.get(pid)
                if result is None:
                    result = results[pid] = EVALUATORS[pid](probe, NOTHING_WATCHLISTED)
                if not result:
                    break
            else:
                found.append(route)
        return found


def passes(compiled: CompiledFilter, probe: Probe, ctx: EvalContext) -> bool:
    """``compiled``'s ``where`` over ``probe`` (an event of its feeds and types); a plain
    conjunction is read from the probe's predicate results, no call per filter."""
    pids = compiled.conjuncts
    if pids is None:
        return compiled.where(probe, ctx)
    results = probe.results
    for pid in pids:
        result = results.get(pid)
        if result is None:
            result = results[pid] = EVALUATORS[pid](probe, ctx)
        if not result:
            return False
    return True


Bucket = tuple[Feed, str | None]


def type_buckets(routes: Iterable[R]) -> dict[Bucket, list[R]]:
    """The routes an event of each (feed, type) may pass, in the order given; ``(feed,
    None)`` holds those of a type no route names."""
    typed: dict[Feed, dict[str, list[R]]] = defaultdict(lambda: defaultdict(list))
    untyped: dict[Feed, list[R]] = defaultdict(list)
    for route in routes:
        for feed in route.test.feeds:
            if route.test.types is None:
                untyped[feed].append(route)
            else:
                for type_ in route.test.types:
                    typed[feed][type_].append(route)
    buckets: dict[Bucket, list[R]] = {}
    for feed in set(typed) | set(untyped):
        buckets[(feed, None)] = untyped[feed]
        for type_, some in typed[feed].items():
            buckets[(feed, type_)] = sorted(untyped[feed] + some, key=_order)
    return buckets


def bucket_of(buckets: dict[Bucket, T], probe: Probe) -> T | None:
    event = probe.event
    found = buckets.get((event.feed, event.type))
    return found if found is not None else buckets.get((event.feed, None))


def _order(route: Indexed) -> int:
    return route.order


def _bucket(routes: list[R]) -> _Bucket[R]:
    """File each route under its most selective key: the field with the most distinct
    values across the bucket's routes (ties: the first the route names)."""
    spread: dict[tuple[str, ...], set[object]] = defaultdict(set)
    for route in routes:
        for key in route.test.keys:
            spread[key.paths] |= key.values
    bucket: _Bucket[R] = _Bucket()
    for route in routes:
        best = _best(route.test.keys, spread)
        if best is None:
            bucket.scan.append(route)
            continue
        table = bucket.by_value.setdefault(best.paths, {})
        proven = bucket.proven.setdefault(best.paths, {})
        for value in best.values:
            table.setdefault(value, []).append(route)
            proven.setdefault(value, set()).update(() if best.proves is None else (best.proves,))
    return bucket


def _best(keys: Sequence[IndexKey], spread: dict[tuple[str, ...], set[object]]
          ) -> IndexKey | None:
    best: IndexKey | None = None
    for key in keys:
        if best is None or len(spread[key.paths]) > len(spread[best.paths]):
            best = key
    return best
