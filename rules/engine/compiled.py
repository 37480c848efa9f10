"""Compiles rule clauses into plain functions over events (pure).

``compile_filter`` turns an ``EventFilter`` (feeds, types, ``where`` predicates) into a
``CompiledFilter``: its feeds and types are exposed for indexing, and calling it evaluates
the predicates. Aliases are resolved and regexes compiled once, here, not per event.

Compiled tests read the event through a ``Probe``: field values are read once per event, and
equal predicates (same paths, same operators) share one id, so their result is worked out
once per event however many clauses hold them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from fusion.contract import EventEnvelope, Feed
from fusion.resolution.keys import entity_keys
from rules.engine.checks import value_checks
from rules.engine.fields import resolve_path
from rules.engine.probe import Probe
from rules.language.conditions import (
    OPERATORS,
    AllOf,
    AnyOf,
    Condition,
    NoneOf,
    Predicate,
    Watchlisted,
)
from rules.language.spec import EventFilter


def _nothing_watchlisted(key: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class EvalContext:
    """What a predicate may ask beyond the event: is this entity key on a watchlist?"""

    watchlisted: Callable[[str], bool] = _nothing_watchlisted


Test = Callable[[Probe, EvalContext], bool]


@dataclass(frozen=True, slots=True)
class IndexKey:
    """A necessary condition of a filter, for indexing: some value at one of ``paths`` equals
    one of ``values`` (taken from an ``eq`` or ``in`` predicate the filter's ``where`` needs)."""

    paths: tuple[str, ...]
    values: frozenset[object]
    proves: int | None = None
    """The id of the predicate the key came from when the key decides it (an ``eq`` or ``in``
    and no other operator): an event with a value among ``values`` passes that predicate."""


@dataclass(frozen=True, slots=True)
class CompiledFilter:
    feeds: frozenset[Feed]
    types: frozenset[str] | None
    test: Test | None = field(default=None)
    keys: tuple[IndexKey, ...] = ()
    conjuncts: tuple[int, ...] | None = ()
    """When the ``where`` is a plain conjunction of predicates: their ids (see
    ``predicate_id``), so a caller may test many filters over one probe without a call per
    filter; None when it is not (use ``test``)."""
    event_conjuncts: tuple[int, ...] | None = ()
    """``conjuncts`` less the ``watchlisted:`` ones: those that read the event alone, so
    their result is known when the event arrives (None when ``conjuncts`` is)."""

    def __call__(self, event: EventEnvelope, ctx: EvalContext = EvalContext()) -> bool:
        if event.feed not in self.feeds:
            return False
        if self.types is not None and event.type not in self.types:
            return False
        return self.test is None or self.test(Probe(event), ctx)

    def where(self, probe: Probe, ctx: EvalContext) -> bool:
        """The ``where`` alone, for an event already known to be of a feed and type of this
        filter (the route index only offers such events)."""
        return self.test is None or self.test(probe, ctx)


class CompileError(ValueError):
    """A clause that cannot be evaluated: an unknown alias, say."""


def compile_filter(
    spec: EventFilter, *, aliases: Mapping[str, Sequence[str]] | None = None
) -> CompiledFilter:
    types = frozenset(spec.types) if spec.types is not None else None
    test = compile_condition(spec.where, aliases or {}) if spec.where is not None else None
    keys = index_keys(spec.where, aliases or {}) if spec.where is not None else ()
    parts = conjuncts(spec.where, aliases or {}) if spec.where is not None else ()
    alone = None if parts is None else tuple(p for p in parts if p not in WATCHLIST_PREDICATES)
    return CompiledFilter(feeds=frozenset(spec.feeds), types=types, test=test, keys=keys,
                          conjuncts=parts, event_conjuncts=alone)


def conjuncts(condition: Condition, aliases: Mapping[str, Sequence[str]]
              ) -> tuple[int, ...] | None:
    """The ids of the predicates ``condition`` is the conjunction of, or None (``any``,
    ``not``)."""
    match condition:
        case AllOf():
            parts = [conjuncts(c, aliases) for c in condition.all]
            if any(part is None for part in parts):
                return None
            return tuple(pid for part in parts if part is not None for pid in part)
        case Watchlisted() | Predicate():
            return (_leaf(condition, aliases)[0],)
    return None


def index_keys(condition: Condition, aliases: Mapping[str, Sequence[str]]
               ) -> tuple[IndexKey, ...]:
    """The equality predicates ``condition`` cannot hold without: itself, or the members of a
    top-level ``all`` (nested ``all`` too). ``any`` and ``not`` offer none."""
    match condition:
        case AllOf():
            return tuple(key for part in condition.all for key in index_keys(part, aliases))
        case Predicate() if condition.exists is not False:
            values = ([condition.eq] if condition.eq is not None else condition.in_)
            if values is None:
                return ()
            alone = sum(getattr(condition, op) is not None for op in OPERATORS) == 1 + (
                condition.exists is not None)
            proves = _leaf(condition, aliases)[0] if alone else None
            return (IndexKey(_paths(condition.field, aliases), frozenset(values), proves),)
    return ()


def compile_condition(condition: Condition, aliases: Mapping[str, Sequence[str]]) -> Test:
    match condition:
        case AllOf():
            return _all([compile_condition(c, aliases) for c in condition.all])
        case AnyOf():
            return _any([compile_condition(c, aliases) for c in condition.any])
        case NoneOf():
            inner = compile_condition(condition.not_, aliases)
            return lambda probe, ctx: not inner(probe, ctx)
        case Watchlisted() | Predicate():
            return _remembered(_leaf(condition, aliases)[0])


def _leaf(condition: Watchlisted | Predicate, aliases: Mapping[str, Sequence[str]]
          ) -> tuple[int, Test]:
    """A predicate's id and its evaluator (registered under the id)."""
    if isinstance(condition, Watchlisted):
        form: object = ("watchlisted", condition.watchlisted)
        pid, test = predicate_id(form, lambda: _watchlisted(condition.watchlisted))
        WATCHLIST_PREDICATES.add(pid)
        return pid, test
    paths = _paths(condition.field, aliases)
    return predicate_id((paths, condition.model_dump_json()),
                        lambda: _predicate(condition, paths))


def _all(parts: list[Test]) -> Test:
    if len(parts) == 1:
        return parts[0]

    def test(probe: Probe, ctx: EvalContext) -> bool:
        for part in parts:  # noqa: SIM110 (a plain loop: no generator per clause test)
            if not part(probe, ctx):
                return False
        return True
    return test


def _any(parts: list[Test]) -> Test:
    def test(probe: Probe, ctx: EvalContext) -> bool:
        for part in parts:  # noqa: SIM110 (a plain loop: no generator per clause test)
            if part(probe, ctx):
                return True
        return False
    return test


_PREDICATE_IDS: dict[object, int] = {}
EVALUATORS: list[Test] = []
"""Predicate id -> its evaluator (the result is not remembered: see ``_remembered``)."""
WATCHLIST_PREDICATES: set[int] = set()
"""The ids of ``watchlisted:`` predicates (their result depends on the context)."""


def predicate_id(form: object, build: Callable[[], Test]) -> tuple[int, Test]:
    """One id per distinct predicate (its resolved paths and operators), across all rules;
    ``build`` makes its evaluator the first time the form is seen."""
    pid = _PREDICATE_IDS.get(form)
    if pid is None:
        pid = _PREDICATE_IDS[form] = len(EVALUATORS)
        EVALUATORS.append(build())
    return pid, EVALUATORS[pid]


def _remembered(pid: int) -> Test:
    """Predicate ``pid``, its result kept in the probe under the id."""
    inner = EVALUATORS[pid]

    def test(probe: Probe, ctx: EvalContext) -> bool:
        results = probe.results
        result = results.get(pid)
        if result is None:
            result = results[pid] = inner(probe, ctx)
        return result
    return test


def _watchlisted(kind: str) -> Test:
    def test(probe: Probe, ctx: EvalContext) -> bool:
        return any(ctx.watchlisted(key) for entity in probe.event.entities
                   if entity.kind == kind for key in entity_keys(entity))
    return test


def _predicate(pred: Predicate, paths: tuple[str, ...]) -> Test:
    checks = value_checks(pred)
    exists = pred.exists
    if exists is None and len(checks) == 1:  # the common case, one operator: a plain loop
        return _equal_to(pred.eq, paths) if pred.eq is not None else _any_value(checks[0], paths)

    def test(probe: Probe, ctx: EvalContext) -> bool:
        values = probe.plain_values(paths)
        if exists is not None and bool(values) != exists:
            return False
        if not checks:
            return True
        if len(checks) == 1:
            (check,) = checks
            return any(check(v) for v in values)
        return any(all(check(v) for check in checks) for v in values)
    return test


def _equal_to(expected: object, paths: tuple[str, ...]) -> Test:
    """``eq`` alone: some value at ``paths`` equals ``expected``."""
    def test(probe: Probe, ctx: EvalContext) -> bool:
        for value in probe.plain_values(paths):  # noqa: SIM110 (no generator per call)
            if value == expected:
                return True
        return False
    return test


def _any_value(check: Callable[[object], bool], paths: tuple[str, ...]) -> Test:
    """One operator: some value at ``paths`` passes ``check``."""
    def test(probe: Probe, ctx: EvalContext) -> bool:
        for value in probe.plain_values(paths):  # noqa: SIM110 (no generator per call)
            if check(value):
                return True
        return False
    return test


def _paths(name: str, aliases: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    if "." in name or name in ("agency", "feed", "type", "event_id", "occurred_at"):
        return (resolve_path(name),)
    if name not in aliases:
        known = ", ".join(sorted(aliases)) or "none defined"
        raise CompileError(f"unknown field or alias {name!r} (aliases: {known})")
    return tuple(resolve_path(p) for p in aliases[name])
