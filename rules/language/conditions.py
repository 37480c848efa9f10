"""Predicates on one event, as written in rule files.

    where:
      all:
        - field: attributes.direction        # a path into the event
          eq: S
        - field: attributes.quantity
          gte: 10
        - field: entities.person[purchaser].name   # entities of a kind, optionally a role
          exists: true
        - any:
            - {field: attributes.commodity, in: [fentanyl, methamphetamine]}
            - {watchlisted: vehicle}          # a vehicle of the event is on a watchlist
        - not: {field: attributes.lane, eq: sentri}

A field with several values (two vehicles, say) satisfies a test when any value does. A
field written without a dot is an alias from the catalogue's ``aliases.yaml``.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

_SEGMENT = r"[a-z_][a-z0-9_]*(\[[a-z-]+\])?"
FieldPath = Annotated[str, StringConstraints(pattern=rf"^{_SEGMENT}(\.{_SEGMENT})*$")]
Scalar = str | int | float | bool
EntityKind = Annotated[str, StringConstraints(
    pattern=r"^(person|vehicle|conveyance|container|firearm|document|phone)$")]

OPERATORS = ("eq", "ne", "in_", "not_in", "gt", "gte", "lt", "lte", "regex", "exists")


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Predicate(_Node):
    """A test on one field; several operators in one predicate must all hold."""

    field: FieldPath
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in")
    not_in: list[Scalar] | None = None
    gt: float | None = None
    gte: float | None = None
    lt: float | None = None
    lte: float | None = None
    regex: str | None = None
    exists: bool | None = None

    @model_validator(mode="after")
    def _has_operator(self) -> Self:
        if all(getattr(self, op) is None for op in OPERATORS):
            raise ValueError(f"field {self.field!r} needs an operator: one of "
                             "eq, ne, in, not_in, gt, gte, lt, lte, regex, exists")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex {self.regex!r} does not compile: {exc}") from exc
        low = self.gt if self.gt is not None else self.gte
        high = self.lt if self.lt is not None else self.lte
        if low is not None and high is not None and low > high:
            raise ValueError(f"range on {self.field!r} is empty: lower bound {low} is above "
                             f"upper bound {high}")
        return self


class Watchlisted(_Node):
    """True when an entity of this kind in the event is on an active watchlist entry."""

    watchlisted: EntityKind


class AllOf(_Node):
    all: list[Condition] = Field(min_length=1)


class AnyOf(_Node):
    any: list[Condition] = Field(min_length=1)


class NoneOf(_Node):
    not_: Condition = Field(alias="not")


Condition = Predicate | Watchlisted | AllOf | AnyOf | NoneOf

for _model in (AllOf, AnyOf, NoneOf):
    _model.model_rebuild()


def walk(condition: Condition) -> list[Predicate | Watchlisted]:
    """Every leaf test in ``condition``."""
    match condition:
        case AllOf():
            return [leaf for child in condition.all for leaf in walk(child)]
        case AnyOf():
            return [leaf for child in condition.any for leaf in walk(child)]
        case NoneOf():
            return walk(condition.not_)
        case _:
            return [condition]


def dump(condition: Condition) -> Any:
    return condition.model_dump(by_alias=True, exclude_none=True)
