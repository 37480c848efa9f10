"""Compiles rule clauses into plain functions over events (pure).

``compile_filter`` turns an ``EventFilter`` (feeds, types, ``where`` predicates) into a
``CompiledFilter``: its feeds and types are exposed for indexing, and calling it evaluates
the predicates. Aliases are resolved and regexes compiled once, here, not per event.
"""

from __future__ import annotations

import enum
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from fusion.contract import EventEnvelope, Feed
from fusion.resolution.keys import entity_keys
from rules.engine.fields import field_values, resolve_path
from rules.language.conditions import AllOf, AnyOf, Condition, NoneOf, Predicate, Watchlisted
from rules.language.spec import EventFilter


def _nothing_watchlisted(key: str) -> bool:
    return False


@dataclass(frozen=True, slots=True)
class EvalContext:
    """What a predicate may ask beyond the event: is this entity key on a watchlist?"""

    watchlisted: Callable[[str], bool] = _nothing_watchlisted


Test = Callable[[EventEnvelope, EvalContext], bool]


@dataclass(frozen=True, slots=True)
class IndexKey:
    """A necessary condition of a filter, for indexing: some value at one of ``paths`` equals
    one of ``values`` (taken from an ``eq`` or ``in`` predicate the filter's ``where`` needs)."""

    paths: tuple[str, ...]
    values: frozenset[object]


@dataclass(frozen=True, slots=True)
class CompiledFilter:
    feeds: frozenset[Feed]
    types: frozenset[str] | None
    test: Test | None = field(default=None)
    keys: tuple[IndexKey, ...] = ()

    def __call__(self, event: EventEnvelope, ctx: EvalContext = EvalContext()) -> bool:
        if event.feed not in self.feeds:
            return False
        if self.types is not None and event.type not in self.types:
            return False
        return self.test is None or self.test(event, ctx)


class CompileError(ValueError):
    """A clause that cannot be evaluated: an unknown alias, say."""


def compile_filter(
    spec: EventFilter, *, aliases: Mapping[str, Sequence[str]] | None = None
) -> CompiledFilter:
    types = frozenset(spec.types) if spec.types is not None else None
    test = compile_condition(spec.where, aliases or {}) if spec.where is not None else None
    keys = index_keys(spec.where, aliases or {}) if spec.where is not None else ()
    return CompiledFilter(feeds=frozenset(spec.feeds), types=types, test=test, keys=keys)


def index_keys(condition: Condition, aliases: Mapping[str, Sequence[str]]
               ) -> tuple[IndexKey, ...]:
    """The equality predicates ``condition`` cannot hold without: itself, or the members of a
    top-level ``all`` (nested ``all`` too). ``any`` and ``not`` offer none."""
    match condition:
        case AllOf():
            return tuple(key for part in condition.all for key in index_keys(part, aliases))
        case Predicate() if condition.exists is not False:
            if condition.eq is not None:
                return (IndexKey(_paths(condition.field, aliases), frozenset([condition.eq])),)
            if condition.in_ is not None:
                return (IndexKey(_paths(condition.field, aliases), frozenset(condition.in_)),)
    return ()


def index_value(value: object) -> object:
    """The form of a field value that ``IndexKey.values`` holds (enums by their value)."""
    return _plain(value)


def compile_condition(condition: Condition, aliases: Mapping[str, Sequence[str]]) -> Test:
    match condition:
        case AllOf():
            parts = [compile_condition(c, aliases) for c in condition.all]
            return lambda event, ctx: all(part(event, ctx) for part in parts)
        case AnyOf():
            parts = [compile_condition(c, aliases) for c in condition.any]
            return lambda event, ctx: any(part(event, ctx) for part in parts)
        case NoneOf():
            inner = compile_condition(condition.not_, aliases)
            return lambda event, ctx: not inner(event, ctx)
        case Watchlisted():
            return _watchlisted(condition.watchlisted)
        case Predicate():
            return _predicate(condition, aliases)


def _watchlisted(kind: str) -> Test:
    def test(event: EventEnvelope, ctx: EvalContext) -> bool:
        return any(ctx.watchlisted(key) for entity in event.entities if entity.kind == kind
                   for key in entity_keys(entity))
    return test


def _predicate(pred: Predicate, aliases: Mapping[str, Sequence[str]]) -> Test:
    paths = _paths(pred.field, aliases)
    checks = _value_checks(pred)

    def test(event: EventEnvelope, ctx: EvalContext) -> bool:
        values = [v for path in paths for v in field_values(event, path)]
        if pred.exists is not None and bool(values) != pred.exists:
            return False
        if not checks:
            return True
        return any(all(check(v) for check in checks) for v in values)
    return test


def _paths(name: str, aliases: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    if "." in name or name in ("agency", "feed", "type", "event_id", "occurred_at"):
        return (resolve_path(name),)
    if name not in aliases:
        known = ", ".join(sorted(aliases)) or "none defined"
        raise CompileError(f"unknown field or alias {name!r} (aliases: {known})")
    return tuple(resolve_path(p) for p in aliases[name])


def _value_checks(pred: Predicate) -> list[Callable[[object], bool]]:
    checks: list[Callable[[object], bool]] = []
    if pred.eq is not None:
        checks.append(_equals(pred.eq, want=True))
    if pred.ne is not None:
        checks.append(_equals(pred.ne, want=False))
    if pred.in_ is not None:
        checks.append(_member(frozenset(pred.in_), want=True))
    if pred.not_in is not None:
        checks.append(_member(frozenset(pred.not_in), want=False))
    for bound, compare in ((pred.gt, operator.gt), (pred.gte, operator.ge),
                           (pred.lt, operator.lt), (pred.lte, operator.le)):
        if bound is not None:
            checks.append(_bounded(bound, compare))
    if pred.regex is not None:
        checks.append(_matches(re.compile(pred.regex)))
    return checks


def _equals(expected: object, *, want: bool) -> Callable[[object], bool]:
    return lambda value: (_plain(value) == expected) is want


def _member(members: frozenset[object], *, want: bool) -> Callable[[object], bool]:
    return lambda value: (_plain(value) in members) is want


def _bounded(bound: float, compare: Callable[[float, float], bool]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        number = _number(value)
        return number is not None and compare(number, bound)
    return check


def _matches(pattern: re.Pattern[str]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        plain = _plain(value)
        return isinstance(plain, str) and pattern.search(plain) is not None
    return check


def _plain(value: object) -> object:
    return value.value if isinstance(value, enum.Enum) else value


def _number(value: object) -> float | None:
    value = _plain(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
