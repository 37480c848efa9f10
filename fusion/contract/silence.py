"""Silences (``control.silences``, compacted, keyed by ``silence_id``): an operator's decision
that leads matching some matchers are withheld from some agencies for a while, and the
hash-chained record of every change to them (``audit.silences``).

A silence matches a lead for a recipient when every matcher it sets matches (an unset matcher
matches anything; a matcher lists alternatives): a rule that fired, the lead's category, an
entity key of the lead, its port of entry, the recipient agency. It is active from
``starts_at`` to ``ends_at`` on the dispatcher's wall clock; expiring one early writes it again
with ``ends_at`` now. The decision itself is pure (``leads/silencing.py``).
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from fusion.contract.codes import Agency
from fusion.contract.envelope import _Wire
from fusion.contract.lead import RuleId
from fusion.contract.ports import Port

SilenceId = Annotated[str, StringConstraints(pattern=r"^S-[0-9a-f]{12}$")]
Category = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]{1,39}$")]
EntityKey = Annotated[str, StringConstraints(min_length=3, max_length=300)]
Author = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._@-]{1,80}$")]
MAX_ALTERNATIVES = 64


class SilenceMatchers(_Wire):
    """What a silence matches: every field set must match; within a field, any listed value."""

    rules: list[RuleId] = Field(default_factory=list, max_length=MAX_ALTERNATIVES,
                                description="Rule ids; the lead matches if any of them fired.")
    categories: list[Category] = Field(default_factory=list, max_length=MAX_ALTERNATIVES)
    entities: list[EntityKey] = Field(
        default_factory=list, max_length=MAX_ALTERNATIVES,
        description="Entity keys as leads carry them, e.g. vehicle:US-TX:ABC1234.")
    ports: list[Port] = Field(default_factory=list, max_length=MAX_ALTERNATIVES)
    agencies: list[Agency] = Field(
        default_factory=list, max_length=MAX_ALTERNATIVES,
        description="Recipients it withholds from; empty: every recipient.")

    @model_validator(mode="after")
    def _narrow(self) -> Self:
        if not (self.rules or self.categories or self.entities or self.ports):
            raise ValueError("a silence needs a rule, category, entity or port matcher: "
                             "one that matches every lead would stop dissemination")
        return self


class Silence(_Wire):
    schema_version: Literal[1] = 1
    silence_id: SilenceId
    matchers: SilenceMatchers
    author: Author = Field(description="Who set it (the operator's name).")
    comment: str = Field(min_length=3, max_length=500, description="Why: read by the audit.")
    created_at: AwareDatetime
    starts_at: AwareDatetime
    ends_at: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Self:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must lie after starts_at")
        return self


class SilenceChange(_Wire):
    """One entry of ``audit.silences``: a silence added or expired, by whom, when, chained like
    the dissemination audit (seq, prev, HMAC-SHA256 mac under the audit key)."""

    schema_version: Literal[1] = 1
    seq: int = Field(ge=0)
    action: Literal["added", "expired"]
    by: Author
    at: AwareDatetime
    silence: Silence
    prev: str = Field(pattern=r"^([0-9a-f]{64})?$")
    mac: str = Field(pattern=r"^[0-9a-f]{64}$")
