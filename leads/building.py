"""Turns a rule's finding into a lead: id, score, grading and handling of its evidence (pure)."""

from __future__ import annotations

import datetime as dt

from fusion.contract import EvidenceRef, Lead, RuleHit
from leads.lead_ids import make_lead_id
from leads.releasability import combine_handling
from rules.findings import Finding
from rules.scoring import score_finding, weakest_grading


def build_lead(finding: Finding, *, now: dt.datetime) -> Lead:
    """Revision 1 of the lead for ``finding``; ``now`` is when it is generated."""
    events = finding.evidence
    score = score_finding(finding)
    times = [e.occurred_at for e in events]
    return Lead(
        lead_id=make_lead_id(finding.rule.rule_id, anchors=finding.anchors),
        revision=1,
        generated_at=now,
        first_event_at=min(times),
        last_event_at=max(times),
        priority=score.priority,
        score=score.value,
        category=finding.rule.category,
        title=finding.title,
        summary=finding.summary,
        rule_hits=[RuleHit(rule_id=finding.rule.rule_id, rule_version=finding.rule.version,
                           title=finding.rule.title, explanation=finding.explanation)],
        contributions=list(score.contributions),
        entities=list(finding.entities),
        evidence=[EvidenceRef(agency=e.agency, feed=e.feed, event_id=e.event_id, type=e.type,
                              occurred_at=e.occurred_at, grading=e.grading) for e in events],
        location=finding.location,
        grading=weakest_grading([e.grading for e in events]),
        handling=combine_handling(e.handling for e in events),
    )
