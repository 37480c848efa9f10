"""How the route index files clauses, and finds an event's candidates among them (pure).

First by (feed, event type), ``type_buckets``: a clause naming types sits only in the buckets
of those types, a clause naming none in every bucket of its feeds. Then, within a bucket
(``Filed``), by value: a clause whose ``where`` needs a field to equal one of a few values
(an ``eq`` or ``in`` predicate in its top-level ``all``, see ``IndexKey``) is filed under
those values, on the field whose values best split the bucket; the others are scanned.

Each (field, value) a clause is filed under is a *hit*, holding its clauses with what each
still has to test. ``Filed.lookup`` reads each indexed field of the event once and returns
the groups of candidates to test: the scanned clauses and the clauses of each hit, each group
in the order added. Nothing is merged per event (a clause is filed under one field, so groups
overlap only when the event has several values at that field, and the caller puts what
passed, usually a few clauses, in order). A hit also proves the predicate its clauses were
filed under when that predicate is the ``eq`` or ``in`` alone (``IndexKey.proves``): its
clauses leave it out of what they still test, and the lookup puts its result into the probe
for the other clauses and indexes.

(An earlier version merged the groups once per distinct combination of hits and remembered
the merge; with a thousand rules a bucket saw over 1,600 combinations in 20,000 events and
the merges cost 6% of the engine's time.)
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

Check = tuple[R, tuple[int, ...] | None]
"""A candidate and the conjunct ids it still tests (None: not a plain conjunction)."""


@dataclass(frozen=True, slots=True)
class Hit(Generic[R]):
    """The routes filed under one value of one indexed field, each with what it still tests
    (the predicates the value proves left out), and the predicates it proves
    (``IndexKey.proves``)."""

    routes: list[R]
    checks: tuple[Check[R], ...]
    proves: tuple[int, ...]


@dataclass(slots=True)
class Filed(Generic[R]):
    """One bucket's routes, filed by value."""

    scan: list[R] = field(default_factory=list)
    scan_checks: tuple[Check[R], ...] = ()
    fields: list[tuple[tuple[str, ...], dict[object, Hit[R]]]] = field(default_factory=list)
    """Per indexed path (as a one-path tuple, the probe's key): its values' hits."""

    def lookup(self, probe: Probe) -> list[Hit[R]]:
        """The hits of ``probe``'s event (the scanned routes are ``scan_checks``); the
        predicates they prove are noted in the probe."""
        found: list[Hit[R]] = []
        for paths, table in self.fields:
            for value in probe.plain_values(paths):
                try:
                    hit = table.get(value)
                except TypeError:  # unhashable: equals no scalar
                    continue
                if hit is not None:
                    found.append(hit)
                    if hit.proves:
                        results = probe.results
                        for pid in hit.proves:
                            results[pid] = True
        return found

    def candidates(self, probe: Probe) -> list[R]:
        """Every route ``probe``'s event may pass, in the order added, each once."""
        hits = self.lookup(probe)
        if not hits:
            return list(self.scan)
        chosen = {route.order: route for hit in hits for route in hit.routes}
        chosen.update((route.order, route) for route in self.scan)
        return [chosen[order] for order in sorted(chosen)]


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
    filed.scan_checks = tuple((route, route.test.conjuncts) for route in filed.scan)
    for paths, table in by_value.items():
        hits = {}
        for value, some in table.items():
            proves = tuple(sorted(proven[paths][value]))
            hits[value] = Hit(some, tuple((r, _left(r.test.conjuncts, proves)) for r in some),
                              proves)
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
