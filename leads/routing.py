"""Which subscribed agencies receive a lead, and why the others do not (pure).

A lead goes to an agency only when all hold: the agency subscribes and its subscription is
enabled, the lead's category and priority meet the subscription, the lead's handling
releases it to that agency (whole, or only its fact: a redacted copy, ``leads.redaction``),
and no active silence (``leads.silencing``) withholds it from that agency. Every decision
carries its reason for the audit trail.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from fusion.contract import Agency, Lead
from fusion.contract.silence import Silence
from leads.redaction import withheld_summary
from leads.releasability import Release, may_receive, release_of
from leads.silencing import matching_silence
from leads.subscriptions import Subscription


class Outcome(StrEnum):
    SENT = "sent"
    REDACTED = "sent-redacted"
    DISABLED = "disabled"
    CATEGORY = "category-not-subscribed"
    PRIORITY = "below-min-priority"
    HANDLING = "handling"
    SILENCED = "withheld-silenced"
    HELD = "held-grouping"  # leads/grouping.py: goes out when its interval ends
    COALESCED = "coalesced"  # a held revision replaced by a newer one, which carries it
    STALE = "withheld-stale"  # not newer than a revision already sent or held


@dataclass(frozen=True, slots=True)
class Decision:
    agency: Agency
    outcome: Outcome
    reason: str

    @property
    def send(self) -> bool:
        """Whether a copy goes out: the whole lead, or its fact-only view (``redacted``)."""
        return self.outcome in (Outcome.SENT, Outcome.REDACTED)

    @property
    def redacted(self) -> bool:
        return self.outcome is Outcome.REDACTED


def route(lead: Lead, subscriptions: Iterable[Subscription], *,
          silences: Iterable[Silence] = (), now: dt.datetime | None = None) -> list[Decision]:
    """One decision per subscription, in agency order. ``silences`` are checked at ``now``
    (the dispatcher's wall clock; required when silences are given)."""
    silences = tuple(silences)
    if silences and now is None:
        raise ValueError("route needs now= to check silences")
    out = []
    for sub in sorted(subscriptions, key=lambda s: s.agency.value):
        decision = _decide(lead, sub)
        if decision.send and now is not None:
            silence = matching_silence(silences, lead, sub.agency, now=now)
            if silence is not None:
                decision = Decision(sub.agency, Outcome.SILENCED, _silenced(silence))
        out.append(decision)
    return out


def _silenced(silence: Silence) -> str:
    return (f"silence {silence.silence_id} by {silence.author} until "
            f"{silence.ends_at.isoformat()}: {silence.comment}")[:500]


def _decide(lead: Lead, sub: Subscription) -> Decision:
    if not sub.enabled:
        return Decision(sub.agency, Outcome.DISABLED, "subscription disabled")
    if sub.categories is not None and lead.category not in sub.categories:
        return Decision(sub.agency, Outcome.CATEGORY, f"category {lead.category} not subscribed")
    if lead.priority.rank > sub.min_priority.rank:
        return Decision(sub.agency, Outcome.PRIORITY,
                        f"{lead.priority.value} is below {sub.min_priority.value}")
    release = release_of(lead.handling, sub.agency)
    if release is Release.FACT_ONLY:
        return Decision(sub.agency, Outcome.REDACTED, withheld_summary(lead))
    if release is Release.NONE:
        return Decision(sub.agency, Outcome.HANDLING, may_receive(lead.handling, sub.agency).reason)
    return Decision(sub.agency, Outcome.SENT, "subscribed, entitled and releasable")
