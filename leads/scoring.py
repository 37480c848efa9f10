"""Scores findings so a watch officer can read every term (pure: ``now`` is passed in).

``score_finding(finding)`` is the score of one rule firing on its own:

    score = rule base score
          + the Admiralty grading of the evidence (mean over evidence events, so piling up
            events does not inflate it)
          + rule-specific terms (e.g. a port runner),

clamped to 0..100. Priority follows from the score.

``score_lead(findings, now=...)`` is the score a lead carries: one or several rule hits on one
entity. Its terms, in the order ``Lead.contributions`` lists them:

1. Base (``rule:<id>``): the highest base score among the distinct rules that fired. Every
   other distinct rule is listed with 0 points and the words "not added". Each distinct rule
   beyond the first adds ``MULTI_RULE_POINTS`` (5) up to ``MULTI_RULE_CAP`` (15) in all
   (``rules:combined``). Repeat hits of one rule add no bonus: their evidence still counts
   through grading, corroboration and recency.
2. Grading (``grading:<AGENCY/event_id>``): for every evidence event, deduplicated by agency
   and event id, (reliability points + credibility points) / number of events, as above.
3. Corroboration (``corroboration``). Independence is counted in agencies, not events: two
   reports from one agency do not corroborate each other. An agency counts if at least one of
   its events has a judged, believable credibility, 1 to 4; "cannot be judged" (6) is no
   evidence and "improbable" (5) contradicts rather than confirms, so neither counts.
   With ``k`` counting agencies and ``best`` the best (lowest) counting credibility::

       k >= 2:  corroborated = max(1, best - (k - 1))     # one step per extra agency
       k <  2:  no corroboration

   The term replaces the evidence's average credibility points by the corroborated
   credibility's points: ``CREDIBILITY_POINTS[corroborated] - mean(CREDIBILITY_POINTS of the
   evidence)``. It is never negative (the corroborated credibility is at least as good as every
   event's). Without corroboration the term is listed with 0 points and says why.
4. Rule-specific terms of every hit (identical terms from repeat hits count once).
5. Recency (``recency``), from the age of the newest evidence event at ``now`` (a future event
   time counts as age 0)::

       age <= 1 h       : +5                                   (RECENCY_POINTS)
       1 h < age < 7 d  : +5 * (7 d - age) / (7 d - 1 h)       (linear)
       age >= 7 d       : 0                                    (never negative)

The sum is clamped to 0..100; unclamped, the contributions add up to the score.

The lead's grading (``lead_grading``): source reliability is the weakest of the evidence
(F, "cannot be judged", counts as weakest); information credibility is the corroborated one
when ``k >= 2`` and otherwise, as before, the weakest of the evidence.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from fusion.contract import (
    Agency,
    Credibility,
    EventEnvelope,
    Grading,
    Priority,
    ScoreContribution,
    SourceReliability,
)
from rules.findings import Finding, RuleRef

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
MULTI_RULE_POINTS = 5.0
MULTI_RULE_CAP = 15.0
RECENCY_POINTS = 5.0
RECENCY_FULL = dt.timedelta(hours=1)
RECENCY_ZERO = dt.timedelta(days=7)
CORROBORATING = frozenset({Credibility.CONFIRMED, Credibility.PROBABLY_TRUE,
                           Credibility.POSSIBLY_TRUE, Credibility.DOUBTFUL})
_CREDIBILITY_ORDER = tuple(Credibility)  # 1 .. 6


@dataclass(frozen=True, slots=True)
class Score:
    value: float
    priority: Priority
    contributions: tuple[ScoreContribution, ...]


@dataclass(frozen=True, slots=True)
class Corroboration:
    """Which agencies corroborate the evidence and the credibility that results.

    ``credibility`` is None when fewer than two agencies count.
    """

    agencies: tuple[Agency, ...]
    best: Credibility | None
    credibility: Credibility | None


def _term(source: str, points: float, reason: str) -> ScoreContribution:
    return ScoreContribution(source=source, points=points, reason=reason)


def score_finding(finding: Finding) -> Score:
    """Base + mean grading + the rule's extra terms of one finding (no corroboration, no
    recency: see ``score_lead`` for the score a lead carries)."""
    terms = [_term(f"rule:{finding.rule.rule_id}", finding.rule.base_score,
                   f"base score of {finding.rule.title}")]
    terms.extend(_grading_terms(finding.evidence))
    terms.extend(finding.extra)
    return _score(terms)


def score_lead(findings: Sequence[Finding], *, now: dt.datetime,
               evidence: Sequence[EventEnvelope] | None = None,
               corroboration: Corroboration | None = None) -> Score:
    """The score of a lead made of ``findings`` (one or more hits on one entity), term by term.

    ``findings`` are taken in the given order (it decides only the order of equal-ranked
    terms); ``combine_findings`` passes them oldest first. ``evidence``: their
    ``unique_evidence``, and ``corroboration``: its ``corroboration_of``, when the caller has
    them already.
    """
    if not findings:
        raise ValueError("score_lead needs at least one finding")
    if evidence is None:
        evidence = unique_evidence(findings)
    terms = _base_terms(findings)
    terms.extend(_grading_terms(evidence))
    terms.append(corroboration_term(evidence, corroboration))
    extras: list[ScoreContribution] = []
    for finding in findings:
        extras.extend(t for t in finding.extra if t not in extras)
    terms.extend(extras)
    terms.append(recency_term(evidence, now=now))
    return _score(terms)


def unique_evidence(findings: Iterable[Finding]) -> tuple[EventEnvelope, ...]:
    """The evidence of all ``findings``, each event once (by agency and event id), in order of
    first appearance."""
    seen: set[tuple[Agency, str]] = set()
    out: list[EventEnvelope] = []
    for finding in findings:
        for event in finding.evidence:
            if (event.agency, event.event_id) not in seen:
                seen.add((event.agency, event.event_id))
                out.append(event)
    return tuple(out)


def corroboration_of(evidence: Sequence[EventEnvelope]) -> Corroboration:
    """``corroborate`` over the agencies and gradings of ``evidence``."""
    return corroborate((e.agency, e.grading) for e in evidence)


def corroborate(gradings: Iterable[tuple[Agency, Grading]]) -> Corroboration:
    """The corroboration rule of the module docstring over (agency, grading) pairs."""
    counting = [(agency, g.credibility) for agency, g in gradings
                if g.credibility in CORROBORATING]
    agencies = tuple(sorted({agency for agency, _ in counting}))  # by code: a StrEnum
    if not counting:
        return Corroboration(agencies=(), best=None, credibility=None)
    best = min((c for _, c in counting), key=_CREDIBILITY_ORDER.index)
    if len(agencies) < 2:
        return Corroboration(agencies=agencies, best=best, credibility=None)
    step = max(0, _CREDIBILITY_ORDER.index(best) - (len(agencies) - 1))
    return Corroboration(agencies=agencies, best=best, credibility=_CREDIBILITY_ORDER[step])


def corroboration_term(evidence: Sequence[EventEnvelope],
                       found: Corroboration | None = None) -> ScoreContribution:
    """The corroboration term of ``evidence`` (``found``: its ``corroboration_of``, if known)."""
    if found is None:
        found = corroboration_of(evidence)
    names = ", ".join(found.agencies)  # StrEnum members join as their codes
    if found.credibility is None or found.best is None:
        why = (f"credible evidence (graded 1-4) comes from {names} only (1 agency)"
               if found.agencies else "no evidence with a credibility of 1-4")
        return _term("corroboration", 0.0, f"{why}: credibility not raised")
    mean = sum(CREDIBILITY_POINTS[e.grading.credibility] for e in evidence) / len(evidence)
    target = CREDIBILITY_POINTS[found.credibility]
    change = (f"raises credibility {found.best.value} -> {found.credibility.value}"
              if found.credibility is not found.best
              else f"keeps credibility {found.credibility.value}")
    return _term("corroboration", round(target - mean, 2),
                 f"reported by {names} ({len(found.agencies)} agencies) {change}: credibility "
                 f"counts {target:+g} instead of the evidence average {mean:+.2f}")


def recency_points(age: dt.timedelta) -> float:
    """Points for the age of the newest evidence (see the module docstring)."""
    if age <= RECENCY_FULL:
        return RECENCY_POINTS
    if age >= RECENCY_ZERO:
        return 0.0
    return round(RECENCY_POINTS * (RECENCY_ZERO - age) / (RECENCY_ZERO - RECENCY_FULL), 2)


def recency_term(evidence: Sequence[EventEnvelope], *, now: dt.datetime) -> ScoreContribution:
    age = max(dt.timedelta(0), now - max(e.occurred_at for e in evidence))
    points = recency_points(age)
    return _term("recency", points,
                 f"newest evidence {describe_age(age)} old: {points:+g} (full "
                 f"{RECENCY_POINTS:g} within 1 h, falling linearly to 0 at 7 d)")


def describe_age(age: dt.timedelta) -> str:
    """``40 s``, ``12 min``, ``3 h``, ``2 d 5 h``."""
    seconds = int(age.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    days, rest = divmod(seconds, 86400)
    return f"{days} d {rest // 3600} h" if rest >= 3600 else f"{days} d"


def priority_for(score: float) -> Priority:
    return next(priority for floor, priority in PRIORITY_FLOORS if score >= floor)


def weakest_grading(gradings: list[Grading]) -> Grading:
    """The least reliable source and least credible information ``gradings`` contain.

    "Cannot be judged" (F, 6) counts as weakest: a lead is no better graded than its least
    known part.
    """
    return Grading(source=max(g.source for g in gradings),
                   credibility=max(g.credibility for g in gradings))


def lead_grading(evidence: Sequence[EventEnvelope],
                 found: Corroboration | None = None) -> Grading:
    """The grading of a lead: weakest source reliability; credibility corroborated by
    independent agencies if at least two count, else the weakest (module docstring).
    ``found``: the evidence's ``corroboration_of``, if known."""
    weakest = weakest_grading([e.grading for e in evidence])
    if found is None:
        found = corroboration_of(evidence)
    if found.credibility is None:
        return weakest
    return Grading(source=weakest.source, credibility=found.credibility)


def _base_terms(findings: Sequence[Finding]) -> list[ScoreContribution]:
    rules: dict[str, RuleRef] = {}
    for finding in findings:
        rules.setdefault(finding.rule.rule_id, finding.rule)
    ranked = sorted(rules.values(), key=lambda r: -r.base_score)  # stable: ties keep order
    top, others = ranked[0], ranked[1:]
    hits = len(findings)
    of = f" (highest of {len(ranked)} rules)" if others else ""
    terms = [_term(f"rule:{top.rule_id}", top.base_score,
                   f"base score of {top.title}{of}")]
    terms.extend(_term(f"rule:{rule.rule_id}", 0.0,
                       f"base score {rule.base_score:g} of {rule.title} not added: only the "
                       f"highest base score counts") for rule in others)
    if others:
        bonus = min(MULTI_RULE_CAP, MULTI_RULE_POINTS * len(others))
        terms.append(_term(
            "rules:combined", bonus,
            f"{len(ranked)} distinct rules in {hits} hits: +{MULTI_RULE_POINTS:g} for "
            f"each rule beyond the first, at most +{MULTI_RULE_CAP:g}"))
    return terms


def _grading_terms(evidence: Sequence[EventEnvelope]) -> list[ScoreContribution]:
    share = 1 / len(evidence)
    terms = []
    for event in evidence:
        grading = event.grading
        points = (RELIABILITY_POINTS[grading.source] + CREDIBILITY_POINTS[grading.credibility])
        terms.append(_term(f"grading:{event.key}", round(points * share, 2),
                           f"{event.agency} report graded {grading.source}{grading.credibility}"))
    return terms


def _score(terms: list[ScoreContribution]) -> Score:
    value = min(100.0, max(0.0, round(sum(t.points for t in terms), 2)))
    return Score(value=value, priority=priority_for(value), contributions=tuple(terms))
