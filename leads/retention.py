"""Which leads are due for retention review (pure): 28 CFR 23.20(h) asks that retained
criminal intelligence be reviewed and purged, or validated and kept, within five years. The
clock starts at a lead's first dissemination (its first ``sent`` decision on the audit) and,
after a review that retained it, again at that review."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from fusion.contract.audit import AuditEntry
from fusion.contract.retention import RetentionReview, ReviewOutcome

FIVE_YEARS = dt.timedelta(days=5 * 365 + 1)  # 1826 days: five years, leap day included


@dataclass(frozen=True, slots=True)
class Due:
    lead_id: str
    first_disseminated_at: dt.datetime
    due_at: dt.datetime
    agencies: tuple[str, ...]  # who received it


def first_disseminations(entries: Iterable[AuditEntry]
                         ) -> dict[str, tuple[dt.datetime, frozenset[str]]]:
    """Per lead: its first ``sent`` decision's time and every agency it was sent to."""
    out: dict[str, tuple[dt.datetime, frozenset[str]]] = {}
    for e in entries:
        if e.outcome != "sent":
            continue
        first, agencies = out.get(e.lead_id, (e.decided_at, frozenset()))
        out[e.lead_id] = (min(first, e.decided_at), agencies | {e.agency.value})
    return out


def due_leads(disseminated: dict[str, tuple[dt.datetime, frozenset[str]]],
              reviews: Iterable[RetentionReview], *, period: dt.timedelta,
              now: dt.datetime) -> list[Due]:
    """The leads due now, oldest first: ``period`` after their first dissemination, or
    after the last review that retained them; a purged lead is never due again."""
    purged: set[str] = set()
    retained_at: dict[str, dt.datetime] = {}
    for review in reviews:
        if review.outcome is ReviewOutcome.PURGE:
            purged.add(review.lead_id)
        else:
            retained_at[review.lead_id] = max(review.reviewed_at,
                                              retained_at.get(review.lead_id, review.reviewed_at))
    out = []
    for lead_id, (first, agencies) in disseminated.items():
        if lead_id in purged:
            continue
        start = max(first, retained_at.get(lead_id, first))
        if start + period <= now:
            out.append(Due(lead_id, first, start + period, tuple(sorted(agencies))))
    return sorted(out, key=lambda d: (d.due_at, d.lead_id))
