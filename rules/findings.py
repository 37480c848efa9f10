"""What a rule reports when it fires, before it becomes a lead."""

from __future__ import annotations

from dataclasses import dataclass

from fusion.contract import Entity, EventEnvelope, Location, ScoreContribution


@dataclass(frozen=True, slots=True)
class RuleRef:
    rule_id: str
    version: int
    title: str
    category: str
    base_score: float


@dataclass(frozen=True, slots=True)
class Finding:
    """One firing of one rule: the evidence, the words for the officer, and extra score terms.

    ``group_key`` is the entity key (``vehicle:US-TX:ABC1234``) under which hits of several
    rules combine into one lead (``leads.combining``); None lets the combiner fall back to the
    entity keys among ``anchors``.
    """

    rule: RuleRef
    explanation: str
    title: str
    summary: str
    anchors: tuple[str, ...]
    evidence: tuple[EventEnvelope, ...]
    entities: tuple[Entity, ...]
    location: Location | None
    extra: tuple[ScoreContribution, ...] = ()
    group_key: str | None = None
