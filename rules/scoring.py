"""Scores a finding so a watch officer can read every term (pure).

score = rule base score
      + the Admiralty grading of the evidence (mean over evidence events, so piling up
        events does not inflate it)
      + rule-specific terms (e.g. a port runner),
clamped to 0..100. Priority follows from the score.
"""

from __future__ import annotations

from dataclasses import dataclass

from fusion.contract import (
    Credibility,
    Grading,
    Priority,
    ScoreContribution,
    SourceReliability,
)
from rules.findings import Finding

RELIABILITY_POINTS: dict[SourceReliability, float] = {
    SourceReliability.A: 15, SourceReliability.B: 10, SourceReliability.C: 5,
    SourceReliability.D: 0, SourceReliability.E: -10, SourceReliability.F: 0,
}
CREDIBILITY_POINTS: dict[Credibility, float] = {
    Credibility.CONFIRMED: 10, Credibility.PROBABLY_TRUE: 5, Credibility.POSSIBLY_TRUE: 0,
    Credibility.DOUBTFUL: -5, Credibility.IMPROBABLE: -15, Credibility.CANNOT_BE_JUDGED: 0,
}
PRIORITY_FLOORS: tuple[tuple[float, Priority], ...] = (
    (85, Priority.FLASH), (70, Priority.IMMEDIATE), (50, Priority.PRIORITY), (0, Priority.ROUTINE),
)


@dataclass(frozen=True, slots=True)
class Score:
    value: float
    priority: Priority
    contributions: tuple[ScoreContribution, ...]


def score_finding(finding: Finding) -> Score:
    terms = [ScoreContribution(source=f"rule:{finding.rule.rule_id}",
                               points=finding.rule.base_score,
                               reason=f"base score of {finding.rule.title}")]
    share = 1 / len(finding.evidence)
    for event in finding.evidence:
        grading = event.grading
        points = (RELIABILITY_POINTS[grading.source] + CREDIBILITY_POINTS[grading.credibility])
        terms.append(ScoreContribution(
            source=f"grading:{event.key}", points=round(points * share, 2),
            reason=f"{event.agency.value} report graded {grading.code}",
        ))
    terms.extend(finding.extra)
    value = min(100.0, max(0.0, round(sum(t.points for t in terms), 2)))
    return Score(value=value, priority=priority_for(value), contributions=tuple(terms))


def priority_for(score: float) -> Priority:
    return next(priority for floor, priority in PRIORITY_FLOORS if score >= floor)


def weakest_grading(gradings: list[Grading]) -> Grading:
    """The lead's grading: the least reliable source and least credible information it rests on.

    "Cannot be judged" (F, 6) counts as weakest: a lead is no better graded than its least
    known part.
    """
    return Grading(source=max(g.source for g in gradings),
                   credibility=max(g.credibility for g in gradings))
