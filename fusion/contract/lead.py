"""The lead: what the dispatcher sends to ``leads.<agency>``, keyed by ``lead_id``."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal, NewType, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from fusion.contract.codes import Agency, Feed, Priority
from fusion.contract.entities import Entity
from fusion.contract.envelope import EventId, Grading, Handling, Location, _Wire

LeadId = NewType("LeadId", str)
RuleId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,79}$")]


class RuleHit(_Wire):
    """One rule that fired, with the sentence a watch officer reads."""

    rule_id: RuleId
    rule_version: int = Field(ge=1)
    title: str
    explanation: str


class ScoreContribution(_Wire):
    """One term of the score: where it came from, how many points, and why."""

    source: str = Field(description="e.g. 'rule:watchlist-vehicle-crossing' or 'grading:B2'.")
    points: float
    reason: str


class EvidenceRef(_Wire):
    """A reference to one event the lead rests on."""

    agency: Agency
    feed: Feed
    event_id: EventId
    type: str
    occurred_at: AwareDatetime
    grading: Grading


class LeadStatus(StrEnum):
    """Whether a lead revision stands: ``withdrawn`` recalls the lead from its recipients
    (an officer withdrew it, or evidence it rests on was retracted); ``corrected`` re-issues
    it without retracted evidence (``leads/recall.py``)."""

    ACTIVE = "active"
    CORRECTED = "corrected"
    WITHDRAWN = "withdrawn"
class Redaction(_Wire):
    """Present on a fact-only copy (``leads/redaction.py``): the recipient may know that the
    lead exists, its category, place, priority and times, but none of its evidence, entities
    or explanations; it asks the point of contact for more."""

    withheld_evidence: int = Field(ge=0, description="How many evidence items were left out.")
    withheld_entities: int = Field(ge=0, description="How many entities were left out.")
    point_of_contact: str = Field(min_length=3, max_length=200)


class Lead(_Wire):
    schema_version: Literal[1] = 1
    lead_id: Annotated[str, StringConstraints(pattern=r"^L-[0-9a-f]{32}$")] = Field(
        description="Deterministic: the same evidence and rule always give the same id."
    )
    revision: int = Field(ge=1, description="Raised each time the lead is re-issued with changes.")
    generated_at: AwareDatetime = Field(description="When this revision was produced.")
    first_event_at: AwareDatetime
    last_event_at: AwareDatetime
    priority: Priority
    score: float = Field(ge=0, le=100)
    category: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]{1,39}$")]
    title: str = Field(min_length=1, max_length=200)
    summary: str = Field(min_length=1, max_length=4000)
    rule_hits: list[RuleHit] = Field(min_length=1)
    contributions: list[ScoreContribution]
    entities: list[Entity]
    evidence: list[EvidenceRef] = Field(
        description="At least one, except on a redacted (fact-only) copy, which has none.")
    location: Location | None = None
    grading: Grading = Field(description="Grading of the lead as a whole (from its evidence).")
    handling: Handling = Field(description="The most restrictive handling of its evidence.")
    status: LeadStatus = LeadStatus.ACTIVE
    status_reason: str | None = Field(
        default=None, max_length=500,
        description="Why a revision is withdrawn or corrected (who withdrew it, what was "
                    "retracted); None while active.")
    redaction: Redaction | None = Field(
        default=None, description="Set on a fact-only copy: what was left out, whom to ask.")

    @model_validator(mode="after")
    def _has_evidence(self) -> Self:
        if not self.evidence and self.redaction is None:
            raise ValueError("a lead needs at least one evidence item (only a redacted copy "
                             "has none)")
        return self
