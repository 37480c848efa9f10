"""Value checks of one predicate (``eq``, ``in``, bounds, ``regex``...), built once (pure).

A check takes a plain value (enum members as their values, ``plain``), as
``Probe.plain_values`` gives them. Checks run per value per event, so they ask a value's
type rather than ``isinstance`` against ``Enum`` or a union, which go through a metaclass
hook and cost several times more.
"""

from __future__ import annotations

import enum
import operator
import re
from collections.abc import Callable

from rules.language.conditions import Predicate


def value_checks(pred: Predicate) -> list[Callable[[object], bool]]:
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
    return lambda value: (value == expected) is want


def _member(members: frozenset[object], *, want: bool) -> Callable[[object], bool]:
    return lambda value: (value in members) is want


def _bounded(bound: float, compare: Callable[[float, float], bool]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        if type(value) is float or type(value) is int:  # the usual case, written out
            return compare(float(value), bound)
        number = _number(value)
        return number is not None and compare(number, bound)
    return check


def _matches(pattern: re.Pattern[str]) -> Callable[[object], bool]:
    def check(value: object) -> bool:
        return isinstance(value, str) and pattern.search(value) is not None
    return check


def plain(value: object) -> object:
    """An enum member as its value (``_value_``: what ``.value`` returns, read directly)."""
    is_enum = _IS_ENUM.get(type(value))
    if is_enum is None:
        is_enum = _IS_ENUM[type(value)] = issubclass(type(value), enum.Enum)
    return value._value_ if is_enum else value  # type: ignore[attr-defined]


_IS_ENUM: dict[type, bool] = {}
"""Per type of value seen: whether it is an enum (a few types, so a few entries)."""


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
