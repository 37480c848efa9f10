"""Turns rule findings into a lead: id, score, grading and handling of its evidence (pure).

``build_lead`` makes revision 1 of the lead of one finding; its id is
``make_lead_id(rule_id, anchors)``. ``assemble_lead`` is the shared part that
``leads.combining`` also uses for several hits on one entity. Scoring and grading rules are
in ``leads.scoring`` (base, grading, corroboration by independent agencies, rule terms,
recency).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from fusion.contract import Entity, Lead, LeadId, Location
from leads.lead_ids import make_lead_id
from leads.releasability import combine_handling
from leads.scoring import corroboration_of, lead_grading, score_lead, unique_evidence
from rules.findings import Finding


def build_lead(finding: Finding, *, now: dt.datetime) -> Lead:
    """Revision 1 of the lead for ``finding``; ``now`` is when it is generated."""
    return assemble_lead([finding], lead_id=make_lead_id(finding.rule.rule_id,
                                                         anchors=finding.anchors),
                         revision=1, now=now, title=finding.title, summary=finding.summary)


def assemble_lead(
    findings: Sequence[Finding],
    *,
    lead_id: LeadId,
    revision: int,
    now: dt.datetime,
    title: str,
    summary: str,
) -> Lead:
    """One lead over ``findings`` (oldest first): every hit, every score term, the union of
    the evidence (each event once), the most restrictive handling and the lead grading.

    The category is that of the hit with the highest base score (the earliest on a tie); the
    location is the latest hit's that has one.
    """
    if not findings:
        raise ValueError("assemble_lead needs at least one finding")
    events = unique_evidence(findings)
    corroboration = corroboration_of(events)
    score = score_lead(findings, now=now, evidence=events, corroboration=corroboration)
    times = [e.occurred_at for e in events]
    top = max(findings, key=lambda f: f.rule.base_score)  # max keeps the first on a tie
    location: Location | None = next(
        (f.location for f in reversed(findings) if f.location is not None), None)
    entities: dict[Entity, None] = {}  # entities are frozen: equal ones hash alike, once each
    for finding in findings:
        entities.update(dict.fromkeys(finding.entities))
    # One validation of the whole lead in pydantic-core: hits and evidence references go in
    # as plain data, the score terms, entities, location and grading as the models they are.
    return Lead.model_validate({
        "lead_id": lead_id,
        "revision": revision,
        "generated_at": now,
        "first_event_at": min(times),
        "last_event_at": max(times),
        "priority": score.priority,
        "score": score.value,
        "category": top.rule.category,
        "title": title,
        "summary": summary,
        "rule_hits": [{"rule_id": f.rule.rule_id, "rule_version": f.rule.version,
                       "title": f.rule.title, "explanation": f.explanation} for f in findings],
        "contributions": score.contributions,
        "entities": list(entities),
        "evidence": [{"agency": e.agency, "feed": e.feed, "event_id": e.event_id,
                      "type": e.type, "occurred_at": e.occurred_at, "grading": e.grading}
                     for e in events],
        "location": location,
        "grading": lead_grading(events, corroboration),
        "handling": combine_handling(e.handling for e in events),
    })
