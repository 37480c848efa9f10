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
    """One firing of one rule: the evidence, the words for the officer, and extra score terms."""

    rule: RuleRef
    explanation: str
    title: str
    summary: str
    anchors: tuple[str, ...]
    evidence: tuple[EventEnvelope, ...]
    entities: tuple[Entity, ...]
    location: Location | None
    extra: tuple[ScoreContribution, ...] = ()
