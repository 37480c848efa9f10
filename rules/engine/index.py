"""Which rule clauses an event can match, found without testing every clause of its feed.

Clauses are grouped by (feed, event type): a clause naming types sits only in the buckets of
those types, a clause naming none in every bucket of its feeds. Within a bucket, a clause whose
``where`` needs a field to equal one of a few values (an ``eq`` or ``in`` predicate in its
top-level ``all``, see ``IndexKey``) is filed under those values, on the field whose values
best split the bucket; the others are scanned. ``candidates`` reads each indexed field of the
event once and returns the clauses filed under its values plus the scanned ones, in the order
they were added. Every candidate is still tested in full: the index only skips clauses that
cannot match.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from fusion.contract import Feed
from rules.engine.compiled import EVALUATORS, CompiledFilter, EvalContext, IndexKey, index_value
from rules.engine.probe import Probe


class Indexed(Protocol):
    @property
    def order(self) -> int: ...

    @property
    def test(self) -> CompiledFilter: ...


R = TypeVar("R", bound=Indexed)


@dataclass(slots=True)
class _Bucket(Generic[R]):
    scan: list[R] = field(default_factory=list)
    by_value: dict[tuple[str, ...], dict[object, list[R]]] = field(default_factory=dict)


class RouteIndex(Generic[R]):
    def __init__(self, routes: Iterable[R]) -> None:
        self._by_order: dict[int, R] = {}
        typed: dict[Feed, dict[str, list[R]]] = defaultdict(lambda: defaultdict(list))
        untyped: dict[Feed, list[R]] = defaultdict(list)
        for route in routes:
            self._by_order[route.order] = route
            for feed in route.test.feeds:
                if route.test.types is None:
                    untyped[feed].append(route)
                else:
                    for type_ in route.test.types:
                        typed[feed][type_].append(route)
        self._buckets: dict[tuple[Feed, str | None], _Bucket[R]] = {}
        for feed in set(typed) | set(untyped):
            self._buckets[(feed, None)] = _bucket(untyped[feed])
            for type_, some in typed[feed].items():
                self._buckets[(feed, type_)] = _bucket(untyped[feed] + some)

    def candidates(self, probe: Probe) -> Sequence[R]:
        """The routes ``probe``'s event may pass; each is of the event's feed and type."""
        event = probe.event
        bucket = (self._buckets.get((event.feed, event.type))
                  or self._buckets.get((event.feed, None)))
        if bucket is None:
            return ()
        if not bucket.by_value:
            return bucket.scan
        found = list(bucket.scan)
        for paths, table in bucket.by_value.items():
            for path in paths:
                for value in probe.values((path,)):
                    try:
                        hit = table.get(index_value(value))
                    except TypeError:  # unhashable: equals no scalar
                        continue
                    if hit:
                        found.extend(hit)
        if len(found) > len(bucket.scan):  # in the order added, each once
            by_order = self._by_order
            found = [by_order[order] for order in sorted({route.order for route in found})]
        return found

    def passing(self, probe: Probe, ctx: EvalContext) -> list[R]:
        """The candidates whose ``where`` ``probe``'s event passes, in the order added. Each
        predicate is evaluated once per probe, however many candidates share it."""
        results = probe.results
        passed: list[R] = []
        for route in self.candidates(probe):
            compiled = route.test
            pids = compiled.conjuncts
            if pids is None:
                if compiled.where(probe, ctx):
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
        for value in best.values:
            table.setdefault(value, []).append(route)
    return bucket


def _best(keys: Sequence[IndexKey], spread: dict[tuple[str, ...], set[object]]
          ) -> IndexKey | None:
    best: IndexKey | None = None
    for key in keys:
        if best is None or len(spread[key.paths]) > len(spread[best.paths]):
            best = key
    return best
