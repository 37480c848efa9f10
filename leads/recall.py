"""Recalls and corrections (pure): what every earlier recipient of a lead receives when the
lead is withdrawn (an officer marks it false) or an event it rests on is retracted by the
agency that published it.

- ``withdrawal``: the next revision of the lead with status ``withdrawn`` and the reason.
- ``after_retraction``: if the lead rests on a retracted event, either a ``corrected``
  revision without that evidence, when the lead still stands on the rest, or a withdrawal.
  A lead *stands on the rest* when every kind of evidence it had (feed and event type) is
  still there: one of several plate reads or crossings may go, the only watchlist entry or
  the only crossing may not. (The rules are not run again: a threshold that the remaining
  reads no longer reach still stands corrected; the officer may withdraw it.) Handling and
  grading stay those of the original, which never widens its release.
- ``recall_route``: the dispatcher's decisions for such a revision: every earlier recipient
  (the escalation service lists them from the audit, in the record's ``fusion-recall-to``
  header), whatever the subscriptions say today, each checked against the lead's handling
  once more, so a forged list cannot send a lead where its handling does not allow.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass

from fusion.contract import Agency, EvidenceRef, Lead
from fusion.contract.lead import LeadStatus
from leads.releasability import Release, may_receive, release_of
from leads.routing import Decision, Outcome

REASON_MAX = 500


@dataclass(frozen=True, slots=True)
class Recall:
    """A revision to send to ``recipients`` (sorted agency codes)."""

    lead: Lead
    recipients: tuple[Agency, ...]

    @property
    def header(self) -> bytes:
        """The ``fusion-recall-to`` header: the recipients' codes, comma-separated."""
        return ",".join(a.value for a in self.recipients).encode()


def evidence_key(agency: Agency, event_id: str) -> str:
    """``<AGENCY>/<event_id>``, as ``EventEnvelope.key`` and ``Retraction.event_key``."""
    return f"{agency.value}/{event_id}"


def withdrawal(lead: Lead, recipients: Iterable[Agency], *, reason: str,
               at: dt.datetime) -> Recall | None:
    """The recall of ``lead`` (its newest revision) to ``recipients``; None if it is withdrawn
    already or nobody received it."""
    to = _sorted(recipients)
    if lead.status is LeadStatus.WITHDRAWN or not to:
        return None
    return Recall(_next(lead, status=LeadStatus.WITHDRAWN, reason=reason, at=at), to)


def after_retraction(lead: Lead, retracted: Collection[str], recipients: Iterable[Agency], *,
                     reason: str, at: dt.datetime) -> Recall | None:
    """The correction or recall of ``lead`` once the events ``retracted`` (evidence keys) are
    withdrawn by their agencies; None if the lead does not rest on them, is withdrawn
    already, or nobody received it."""
    to = _sorted(recipients)
    if lead.status is LeadStatus.WITHDRAWN or not to:
        return None
    keep = [e for e in lead.evidence if evidence_key(e.agency, e.event_id) not in retracted]
    if len(keep) == len(lead.evidence):
        return None
    gone = ", ".join(sorted(evidence_key(e.agency, e.event_id) for e in lead.evidence
                            if e not in keep))
    if not stands(lead, keep):
        return Recall(_next(lead, status=LeadStatus.WITHDRAWN,
                            reason=f"evidence retracted ({gone}): {reason}", at=at), to)
    corrected = _next(lead, status=LeadStatus.CORRECTED,
                      reason=f"evidence retracted and removed ({gone}): {reason}", at=at)
    corrected = Lead.model_validate({
        **corrected.model_dump(), "evidence": [e.model_dump() for e in keep],
        "first_event_at": min(e.occurred_at for e in keep),
        "last_event_at": max(e.occurred_at for e in keep)})
    return Recall(corrected, to)


def stands(lead: Lead, keep: Collection[EvidenceRef]) -> bool:
    """Whether ``keep`` (a subset of the lead's evidence) still has every kind of evidence
    (feed and event type) the lead had."""
    kinds = {(e.feed, e.type) for e in lead.evidence}
    kept = {(e.feed, e.type) for e in lead.evidence if e in keep}
    return bool(keep) and kinds == kept


def recall_route(lead: Lead, recall_to: str | None) -> list[Decision] | None:
    """The decisions for a record of internal.leads: None for an ordinary lead (route it by
    the subscriptions), else one per listed earlier recipient (unknown codes are skipped),
    sent if the lead's handling still releases it to that agency."""
    if recall_to is None or lead.status is LeadStatus.ACTIVE:
        return None
    agencies = _sorted(Agency(code) for code in recall_to.split(",") if code in _CODES)
    what = "recall" if lead.status is LeadStatus.WITHDRAWN else "correction"
    decisions = []
    for agency in agencies:
        release = release_of(lead.handling, agency)
        if release is Release.WHOLE:
            # the status only: the reason's free text (an officer's note, what was retracted)
            # travels on the revision, not into the audit, which is kept for ever
            decisions.append(Decision(agency, Outcome.SENT, f"{what} to an earlier recipient "
                                      f"({lead.status.value})"))
        elif release is Release.FACT_ONLY:  # it was told the fact: it is told of the recall
            decisions.append(Decision(agency, Outcome.REDACTED,
                                      f"{what} to an earlier recipient, fact only"))
        else:
            decisions.append(Decision(agency, Outcome.HANDLING,
                                      may_receive(lead.handling, agency).reason))
    return decisions


_CODES = frozenset(a.value for a in Agency)


def _next(lead: Lead, *, status: LeadStatus, reason: str, at: dt.datetime) -> Lead:
    return Lead.model_validate({**lead.model_dump(), "revision": lead.revision + 1,
                                "generated_at": at, "status": status,
                                "status_reason": reason[:REASON_MAX]})


def _sorted(agencies: Iterable[Agency]) -> tuple[Agency, ...]:
    return tuple(sorted(set(agencies), key=lambda a: a.value))
