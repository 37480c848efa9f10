"""Which rule clauses an event can match, found without testing every clause of its feed.

The clauses are filed by feed, event type and the values of one indexed field (``filing``);
``candidates`` are those filed under the event's values plus the scanned ones of its bucket,
in the order they were added. Every candidate is still tested in full: the index only skips
clauses that cannot match (and the predicates its lookup has proved, ``IndexKey.proves``).

``passing`` tests the candidates (each predicate once per event, see ``probe``); ``possible``
keeps those whose predicates on the event alone pass, for clauses whose ``watchlisted:`` part
is only known later (the engine defers them, ``watch``). Idle-when-empty clauses are not in
this index but in ``gates``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Generic

from rules.engine.compiled import EVALUATORS, CompiledFilter, EvalContext
from rules.engine.filing import (
    Bucket,
    Filed,
    Indexed,
    R,
    bucket_of,
    file_routes,
    type_buckets,
)
from rules.engine.probe import Probe

__all__ = ["Bucket", "Indexed", "RouteIndex", "bucket_of", "passes", "type_buckets"]

NOTHING_WATCHLISTED = EvalContext()


class RouteIndex(Generic[R]):
    def __init__(self, routes: Iterable[R]) -> None:
        unique = {route.order: route for route in routes}.values()  # each route once
        self._buckets: dict[Bucket, Filed[R]] = {
            bucket: file_routes(some) for bucket, some in type_buckets(unique).items()}

    def candidates(self, probe: Probe) -> Sequence[R]:
        """The routes ``probe``'s event may pass; each is of the event's feed and type."""
        filed = bucket_of(self._buckets, probe)
        return () if filed is None else filed.candidates(probe)

    def any_candidate(self, probe: Probe) -> bool:
        """Whether ``candidates`` would return any route."""
        filed = bucket_of(self._buckets, probe)
        return filed is not None and bool(filed.scan or filed.lookup(probe))

    def passing(self, probe: Probe, ctx: EvalContext) -> list[R]:
        """The candidates whose ``where`` ``probe``'s event passes, in the order added. Each
        predicate is evaluated once per probe, however many candidates share it."""
        filed = bucket_of(self._buckets, probe)
        if filed is None:
            return []
        hits = filed.lookup(probe)
        passed = _passed(filed.scan_checks, probe, ctx, [])
        for hit in hits:
            passed = _passed(hit.checks, probe, ctx, passed)
        if hits and passed:  # put the groups' routes in order, each once
            if len(hits) == 1 and not filed.scan_checks:
                return passed
            passed = sorted({route.order: route for route in passed}.values(),
                            key=_order)
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


def _order(route: Indexed) -> int:
    return route.order


def _passed(checks: Sequence[tuple[R, tuple[int, ...] | None]], probe: Probe, ctx: EvalContext,
            passed: list[R]) -> list[R]:
    """``passed`` with the routes of ``checks`` whose ``where`` the event passes (``passes``,
    written out: no call per route)."""
    results = probe.results
    for route, pids in checks:
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
