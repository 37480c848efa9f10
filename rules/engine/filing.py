"""How the route index files clauses, and finds an event's candidates among them (pure).

First by (feed, event type), ``type_buckets``: a clause naming types sits only in the buckets
of those types, a clause naming none in every bucket of its feeds. Then, within a bucket
(``Filed``), by value: a clause whose ``where`` needs a field to equal one of a few values
(an ``eq`` or ``in`` predicate in its top-level ``all``, see ``IndexKey``) is filed under
those values, on the field whose values best split the bucket; the others are scanned.

Each (field, value) a clause is filed under is a numbered *hit*. ``Filed.lookup`` reads each
indexed field of the event once and collects the numbers of its hits; the tuple of numbers
keys a bounded memo of the merged candidates (the hits' clauses and the scanned ones, in the
order added, each once), so the merge and sort happen once per distinct combination, not
once per event. A hit also proves the predicate its clauses were filed under when that
predicate is the ``eq`` or ``in`` alone (``IndexKey.proves``): the merged candidates leave
proven predicates out of what they still test, and the lookup puts their results into the
probe for the other indexes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from fusion.contract import Feed
from rules.engine.compiled import CompiledFilter, IndexKey
from rules.engine.probe import Probe


class Indexed(Protocol):
    @property
    def order(self) -> int: ...

    @property
    def test(self) -> CompiledFilter: ...


R = TypeVar("R", bound=Indexed)
T = TypeVar("T")
Bucket = tuple[Feed, str | None]

MERGED_LIMIT = 4096
"""How many hit combinations a bucket remembers; past that it starts afresh."""


@dataclass(frozen=True, slots=True)
class Hit(Generic[R]):
    """The routes filed under one value of one indexed field, and the predicates an event
    with that value passes (their ``IndexKey.proves``)."""

    number: int
    routes: list[R]
    proves: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Merged(Generic[R]):
    """The candidates of one combination of hits: the routes in the order added, each once;
    each with the conjunct ids left to test (the proven ones dropped; None: not a plain
    conjunction); and the ids the hits prove."""

    routes: Sequence[R]
    checks: tuple[tuple[R, tuple[int, ...] | None], ...]
    proves: tuple[int, ...]


@dataclass(slots=True)
class Filed(Generic[R]):
    """One bucket's routes, filed by value."""

    scan: list[R] = field(default_factory=list)
    fields: list[tuple[tuple[str, ...], dict[object, Hit[R]]]] = field(default_factory=list)
    """Per indexed path (as a one-path tuple, the probe's key): its values' hits."""
    hits: list[Hit[R]] = field(default_factory=list)
    """Every hit, by its number."""
    merged: dict[tuple[int, ...], Merged[R]] = field(default_factory=dict)
    """The numbers of an event's hits -> their candidates (bounded by ``MERGED_LIMIT``)."""

    def lookup(self, probe: Probe) -> Merged[R]:
        """The candidates of ``probe``'s event; the predicates its hits prove are noted in
        the probe."""
        numbers: list[int] = []
        for paths, table in self.fields:
            for value in probe.plain_values(paths):
                try:
                    hit = table.get(value)
                except TypeError:  # unhashable: equals no scalar
                    continue
                if hit is not None:
                    numbers.append(hit.number)
        key = tuple(numbers)
        merged = self.merged.get(key)
        if merged is None:
            if len(self.merged) >= MERGED_LIMIT:
                self.merged.clear()
            merged = self.merged[key] = self._merge([self.hits[n] for n in key])
        results = probe.results
        for pid in merged.proves:
            results[pid] = True
        return merged

    def _merge(self, hits: list[Hit[R]]) -> Merged[R]:
        chosen = {route.order: route for hit in hits for route in hit.routes}
        chosen.update((route.order, route) for route in self.scan)
        routes = [chosen[order] for order in sorted(chosen)]
        proves = tuple(sorted({pid for hit in hits for pid in hit.proves}))
        checks = tuple((route, _left(route.test.conjuncts, proves)) for route in routes)
        return Merged(routes, checks, proves)


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
    found = buckets.get(probe.kind)
    return found if found is not None else buckets.get((probe.kind[0], None))


def file_routes(routes: list[R]) -> Filed[R]:
    """File each route under its most selective key: the field with the most distinct
    values across the bucket's routes (ties: the first the route names)."""
    spread: dict[tuple[str, ...], set[object]] = defaultdict(set)
    for route in routes:
        for key in route.test.keys:
            spread[key.paths] |= key.values
    by_value: dict[tuple[str, ...], dict[object, list[R]]] = {}
    proven: dict[tuple[str, ...], dict[object, set[int]]] = {}
    filed: Filed[R] = Filed()
    for route in routes:
        best = _best(route.test.keys, spread)
        if best is None:
            filed.scan.append(route)
            continue
        for value in best.values:
            by_value.setdefault(best.paths, {}).setdefault(value, []).append(route)
            proven.setdefault(best.paths, {}).setdefault(value, set()).update(
                () if best.proves is None else (best.proves,))
    for paths, table in by_value.items():
        hits = {value: Hit(len(filed.hits) + n, some, tuple(sorted(proven[paths][value])))
                for n, (value, some) in enumerate(table.items())}
        filed.hits += hits.values()
        filed.fields += [((path,), hits) for path in paths]
    return filed


def _order(route: Indexed) -> int:
    return route.order


def _left(conjuncts: tuple[int, ...] | None, proven: tuple[int, ...]
          ) -> tuple[int, ...] | None:
    return None if conjuncts is None else tuple(p for p in conjuncts if p not in proven)


def _best(keys: Sequence[IndexKey], spread: dict[tuple[str, ...], set[object]]
          ) -> IndexKey | None:
    best: IndexKey | None = None
    for key in keys:
        if best is None or len(spread[key.paths]) > len(spread[best.paths]):
            best = key
    return best
