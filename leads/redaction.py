"""The fact-only view of a lead (pure): what an agency that may be told of a lead, but may
not see its content, receives instead of nothing.

Kept: id, revision, times, priority, score, category, place, grading, handling, status
(a recall or correction, with a generic reason), and each rule's id, version and catalogue
title. Left out: every evidence item, every entity, every
rule's explanation, the score terms (they name gradings and agencies of the evidence), and
the lead's own title and summary (written from the evidence: a plate, a name). Instead a
generic title and summary and the point of contact, and ``redaction`` saying how much was
left out. ``view_for`` is the one entry point: dispatch sends its bytes, the dashboard shows
it, so both give an agency the same thing.
"""

from __future__ import annotations

from fusion.contract import Agency, Lead, Redaction, RuleHit
from leads.releasability import Release, release_of

FUSION_CENTER_CONTACT = "EPIC Watch Floor (fusion center duty desk)"
WITHHELD = "withheld: not releasable to this recipient (fact-only release)"


def redact(lead: Lead, *, contact: str = FUSION_CENTER_CONTACT) -> Lead:
    """The fact-only copy of ``lead`` (idempotent: a redacted lead is returned as it is)."""
    if lead.redaction is not None:
        return lead
    place = ""
    if lead.location is not None and lead.location.port is not None:
        place = f" at {lead.location.port.value}"
    title = f"{lead.rule_hits[0].title} (fact only)"[:200]
    summary = (f"A {lead.priority.value} {lead.category} lead{place}. Its evidence, entities "
               f"and explanations are not releasable to this recipient; for more, contact "
               f"{contact}.")
    # a recall's or correction's reason names what was retracted or who withdrew it
    reason = (f"{lead.status.value}: the reason is not releasable to this recipient; "
              f"contact {contact}")[:500] if lead.status_reason is not None else None
    return lead.model_copy(update={
        "title": title, "summary": summary, "contributions": [], "entities": [],
        "status_reason": reason,
        "evidence": [],
        "rule_hits": [RuleHit(rule_id=h.rule_id, rule_version=h.rule_version, title=h.title,
                              explanation=WITHHELD) for h in lead.rule_hits],
        "redaction": Redaction(withheld_evidence=len(lead.evidence),
                               withheld_entities=len(lead.entities), point_of_contact=contact),
    })


def view_for(lead: Lead, agency: Agency, *, contact: str = FUSION_CENTER_CONTACT
             ) -> Lead | None:
    """The lead as ``agency`` may receive or see it: whole, fact-only, or None."""
    release = release_of(lead.handling, agency)
    if release is Release.WHOLE:
        return lead
    if release is Release.FACT_ONLY:
        return redact(lead, contact=contact)
    return None


def withheld_summary(lead: Lead) -> str:
    """For the audit: which parts a fact-only copy left out, by position, naming no content
    (the dashboard shows decisions to every officer who may see the lead)."""
    items = ", ".join(f"#{i}" for i in range(1, len(lead.evidence) + 1))
    return (f"fact only: evidence items {items} of {len(lead.evidence)}, "
            f"{len(lead.entities)} entities, {len(lead.rule_hits)} explanations, the score "
            f"terms, title and summary withheld")[:500]


def copy_value(lead: Lead, raw: bytes, *, redacted: bool,
               contact: str = FUSION_CENTER_CONTACT) -> bytes:
    """The bytes dispatch writes on the recipient's lead topic for a decision that sends
    (``routing.Decision.redacted``): the lead as it arrived (``raw``), or its fact-only view.
    Webhooks forward these bytes."""
    if redacted:
        return redact(lead, contact=contact).model_dump_json().encode()
    return raw
