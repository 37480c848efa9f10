"""Rule files: one YAML document per rule, one model per kind (``kind:`` selects it).

Common to every kind: ``id``, ``version``, ``title``, ``description``, ``category``,
``base_score``, ``tags``, ``owner`` (the agency that answers for the rule), an optional
``handling`` override (never wider than the evidence: the lead takes the most restrictive
of the two), and ``enabled``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from fusion.contract import Agency, Feed, Handling
from rules.language.conditions import Condition, EntityKind
from rules.language.durations import Duration

RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{1,39}$")]
Role = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]{0,39}$")]
MAX_SPAN = dt.timedelta(days=90)


class _Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class EventFilter(_Spec):
    """Which events a clause takes: feeds, optional event types, optional predicates."""

    feed: Feed | list[Feed]
    type: str | list[str] | None = None
    where: Condition | None = None

    @property
    def feeds(self) -> tuple[Feed, ...]:
        return tuple(self.feed) if isinstance(self.feed, list) else (self.feed,)

    @property
    def types(self) -> tuple[str, ...] | None:
        if self.type is None:
            return None
        return tuple(self.type) if isinstance(self.type, list) else (self.type,)


class EntityRef(_Spec):
    """The entity a stateful rule groups on: its kind and, optionally, the role it plays."""

    kind: EntityKind
    role: Role | None = None


class _Rule(_Spec):
    id: RuleId
    version: int = Field(ge=1)
    title: str = Field(min_length=3, max_length=120)
    description: str = Field(min_length=10, max_length=2000)
    category: Slug
    base_score: float = Field(ge=0, le=100)
    tags: list[Slug] = Field(default_factory=list)
    owner: Agency
    handling: Handling | None = None
    enabled: bool = True


class _Spanned(_Rule):
    @model_validator(mode="after")
    def _span_is_possible(self) -> Self:
        span = getattr(self, "within", None) or getattr(self, "window", None)
        if not isinstance(span, dt.timedelta):
            raise TypeError(f"{type(self).__name__} has no time span")
        if span <= dt.timedelta(0):
            raise ValueError("the time span must be longer than zero")
        if span > MAX_SPAN:
            raise ValueError(f"the time span {span} is longer than the {MAX_SPAN.days} days "
                             "state is kept for")
        return self


class MatchRule(_Rule):
    kind: Literal["match"]
    when: EventFilter


class DistinctCount(_Spec):
    field: str = Field(min_length=1)
    at_least: int = Field(ge=2)


class ThresholdRule(_Spanned):
    kind: Literal["threshold"]
    when: EventFilter
    group_by: EntityRef
    window: Duration
    count: int | None = Field(default=None, ge=2, description="at least this many events")
    distinct: DistinctCount | None = None

    @model_validator(mode="after")
    def _one_measure(self) -> Self:
        if (self.count is None) == (self.distinct is None):
            raise ValueError("a threshold rule needs exactly one of 'count' or 'distinct'")
        return self


class SequenceRule(_Spanned):
    kind: Literal["sequence"]
    on: EntityRef
    steps: list[EventFilter] = Field(min_length=2, max_length=8)
    within: Duration
    ordered: bool = Field(default=True, description="false: all steps, in any order")


class AbsenceRule(_Spanned):
    kind: Literal["absence"]
    on: EntityRef
    first: EventFilter
    then: EventFilter
    within: Duration


class CorroborationRule(_Spanned):
    kind: Literal["corroboration"]
    on: EntityRef
    when: EventFilter
    agencies: int = Field(ge=2, le=20, description="independent agencies needed")
    within: Duration


class LinkRule(_Spanned):
    """Two events joined through one shared entity, e.g. the purchaser of a multiple-sale
    firearm trace (left, role purchaser) is a person in a southbound crossing (right)."""

    kind: Literal["link"]
    on: EntityKind
    left: EventFilter
    left_role: Role | None = None
    right: EventFilter
    right_role: Role | None = None
    within: Duration
    order: Literal["any", "left-first"] = "any"


RuleSpec = Annotated[
    MatchRule | ThresholdRule | SequenceRule | AbsenceRule | CorroborationRule | LinkRule,
    Field(discriminator="kind"),
]
