"""Which leads are due for retention review (28 CFR 23.20(h)): five years after the first
'sent' decision, or after the last review that retained them; a purged lead never again."""

from __future__ import annotations

import datetime as dt

from fusion.contract import Agency, Priority, Tlp
from fusion.contract.audit import AuditEntry
from fusion.contract.retention import RetentionReview, ReviewOutcome
from leads.retention import FIVE_YEARS, due_leads, first_disseminations

NOW = dt.datetime(2031, 6, 1, tzinfo=dt.UTC)
L1, L2, L3 = (f"L-{n:032x}" for n in (1, 2, 3))


def _entry(lead: str, agency: Agency, at: dt.datetime, outcome: str = "sent") -> AuditEntry:
    return AuditEntry(chain=0, seq=0, lead_id=lead, revision=1, agency=agency,
                      outcome=outcome, reason="r", priority=Priority.ROUTINE, tlp=Tlp.GREEN,
                      rules=[], decided_at=at, prev="", mac="0" * 64)


def _review(lead: str, outcome: ReviewOutcome, at: dt.datetime) -> RetentionReview:
    return RetentionReview(lead_id=lead, outcome=outcome, first_disseminated_at=at,
                           reviewed_at=at, reviewed_by="admin", reason="r")


def test_due_five_years_after_the_first_sent_decision() -> None:
    old = NOW - FIVE_YEARS - dt.timedelta(days=1)
    entries = [_entry(L1, Agency.HSI, old + dt.timedelta(days=30)), _entry(L1, Agency.DEA, old),
               _entry(L2, Agency.HSI, NOW - dt.timedelta(days=365)),
               _entry(L3, Agency.HSI, old, outcome="withheld-by-handling")]
    disseminated = first_disseminations(entries)
    assert set(disseminated) == {L1, L2}  # a withheld decision is no dissemination
    (due,) = due_leads(disseminated, [], period=FIVE_YEARS, now=NOW)
    assert (due.lead_id, due.first_disseminated_at, due.agencies) == (L1, old, ("DEA", "HSI"))
    assert due_leads(disseminated, [], period=FIVE_YEARS, now=old + FIVE_YEARS) == [
        due_leads(disseminated, [], period=FIVE_YEARS, now=NOW)[0]]  # due at the instant
    assert due_leads(disseminated, [], period=FIVE_YEARS,
                     now=old + FIVE_YEARS - dt.timedelta(seconds=1)) == []


def test_a_retained_lead_is_due_again_a_period_after_the_review_and_a_purged_one_never() -> None:
    old = NOW - 2 * FIVE_YEARS
    disseminated = first_disseminations([_entry(L1, Agency.HSI, old),
                                         _entry(L2, Agency.HSI, old)])
    reviews = [_review(L1, ReviewOutcome.RETAIN, NOW - dt.timedelta(days=10)),
               _review(L2, ReviewOutcome.PURGE, NOW - dt.timedelta(days=10))]
    assert due_leads(disseminated, reviews, period=FIVE_YEARS, now=NOW) == []
    later = NOW + FIVE_YEARS
    assert [d.lead_id for d in due_leads(disseminated, reviews, period=FIVE_YEARS,
                                         now=later)] == [L1]


def test_the_period_is_configurable() -> None:
    disseminated = first_disseminations([_entry(L1, Agency.HSI, NOW - dt.timedelta(days=40))])
    assert due_leads(disseminated, [], period=dt.timedelta(days=30), now=NOW)[0].lead_id == L1
    assert due_leads(disseminated, [], period=dt.timedelta(days=60), now=NOW) == []
