"""Recalls and corrections: a withdrawn lead's next revision goes to every earlier
recipient; a retraction corrects a lead that still stands on the rest of its evidence and
recalls one that does not; the dispatcher sends a recall to the listed earlier recipients
only where the lead's handling allows, whatever the subscriptions say."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from adapters.kafka.lead_reader import LeadRecord
from cli.commands.leads_cmd import line
from fusion.contract import Agency, Country, EvidenceRef, Feed, Lead, Priority, RuleHit, Tlp
from fusion.contract.lead import LeadStatus
from leads.recall import after_retraction, recall_route, stands, withdrawal
from leads.routing import Outcome
from tests.factories import T0, grading, handling

LATER = T0 + dt.timedelta(hours=1)


def evidence(agency: Agency, feed: Feed, event_id: str, type_: str, minutes: int = 0
             ) -> EvidenceRef:
    return EvidenceRef(agency=agency, feed=feed, event_id=event_id, type=type_,
                       occurred_at=T0 + dt.timedelta(minutes=minutes), grading=grading("B2"))


WATCH = evidence(Agency.HSI, Feed.WATCHLIST, "wl-1", "watchlist.entry", -60)
CROSS_1 = evidence(Agency.CBP_OFO, Feed.POE_CROSSINGS, "x-1", "poe.crossing", 0)
CROSS_2 = evidence(Agency.CBP_OFO, Feed.POE_CROSSINGS, "x-2", "poe.crossing", 30)


def lead(*refs: EvidenceRef, tlp: Tlp = Tlp.AMBER) -> Lead:
    return Lead(lead_id="L-" + "c" * 32, revision=3, generated_at=T0,
                first_event_at=min(r.occurred_at for r in refs),
                last_event_at=max(r.occurred_at for r in refs), priority=Priority.FLASH,
                score=80, category="watchlist-hit", title="t", summary="s",
                rule_hits=[RuleHit(rule_id="watchlist-vehicle-crossing", rule_version=1,
                                   title="t", explanation="e")],
                contributions=[], entities=[], evidence=list(refs), grading=grading("B2"),
                handling=handling(tlp, Country.USA))


def test_a_withdrawal_is_the_next_revision_to_every_earlier_recipient() -> None:
    recall = withdrawal(lead(WATCH, CROSS_1), [Agency.HSI, Agency.CBP_OFO, Agency.HSI],
                        reason="false positive (officer ana)", at=LATER)
    assert recall is not None
    assert recall.recipients == (Agency.CBP_OFO, Agency.HSI)
    assert recall.header == b"CBP-OFO,HSI"
    assert (recall.lead.revision, recall.lead.status, recall.lead.generated_at) == (
        4, LeadStatus.WITHDRAWN, LATER)
    assert recall.lead.status_reason == "false positive (officer ana)"
    assert recall.lead.evidence == [WATCH, CROSS_1]


def test_nothing_to_recall_from_nobody_or_twice() -> None:
    assert withdrawal(lead(WATCH), [], reason="r", at=LATER) is None
    first = withdrawal(lead(WATCH), [Agency.HSI], reason="r", at=LATER)
    assert first is not None
    assert withdrawal(first.lead, [Agency.HSI], reason="r", at=LATER) is None
    assert after_retraction(first.lead, {"HSI/wl-1"}, [Agency.HSI], reason="r",
                            at=LATER) is None


def test_a_lead_not_resting_on_the_retracted_event_is_left_alone() -> None:
    assert after_retraction(lead(WATCH, CROSS_1), {"CBP-OFO/x-9", "HSI/x-1"}, [Agency.HSI],
                            reason="r", at=LATER) is None


def test_retracting_one_of_two_crossings_corrects_the_lead() -> None:
    recall = after_retraction(lead(WATCH, CROSS_1, CROSS_2), {"CBP-OFO/x-2"},
                              [Agency.HSI], reason="wrong plate", at=LATER)
    assert recall is not None
    corrected = recall.lead
    assert corrected.status is LeadStatus.CORRECTED
    assert corrected.evidence == [WATCH, CROSS_1]
    assert corrected.last_event_at == CROSS_1.occurred_at
    assert corrected.status_reason == (
        "evidence retracted and removed (CBP-OFO/x-2): wrong plate")
    assert corrected.handling == lead(WATCH).handling


def test_retracting_the_only_watchlist_entry_withdraws_the_lead() -> None:
    recall = after_retraction(lead(WATCH, CROSS_1, CROSS_2), {"HSI/wl-1"}, [Agency.HSI],
                              reason="entered in error", at=LATER)
    assert recall is not None
    assert recall.lead.status is LeadStatus.WITHDRAWN
    assert recall.lead.status_reason == "evidence retracted (HSI/wl-1): entered in error"


@given(st.sets(st.sampled_from([WATCH, CROSS_1, CROSS_2])))
def test_a_lead_stands_only_with_every_kind_of_evidence(keep: set[EvidenceRef]) -> None:
    original = lead(WATCH, CROSS_1, CROSS_2)
    kinds = {(e.feed, e.type) for e in keep}
    assert stands(original, keep) is (kinds == {(WATCH.feed, WATCH.type),
                                                (CROSS_1.feed, CROSS_1.type)})


def test_dispatch_routes_a_recall_to_the_listed_recipients_by_handling_only() -> None:
    recall = withdrawal(lead(WATCH, tlp=Tlp.AMBER), [Agency.HSI], reason="false", at=LATER)
    assert recall is not None
    decisions = recall_route(recall.lead, "HSI,ANAM,NOT-AN-AGENCY")
    assert decisions is not None
    assert [(d.agency, d.outcome) for d in decisions] == [
        (Agency.ANAM, Outcome.HANDLING), (Agency.HSI, Outcome.SENT)]
    assert decisions[1].reason == "recall to an earlier recipient (withdrawn)"  # no free text


def test_an_active_lead_is_routed_by_subscription_even_with_the_header() -> None:
    assert recall_route(lead(WATCH), "HSI") is None
    recall = withdrawal(lead(WATCH), [Agency.HSI], reason="r", at=LATER)
    assert recall is not None
    assert recall_route(recall.lead, None) is None


def test_fusion_leads_marks_a_recall_and_a_correction() -> None:
    recall = withdrawal(lead(WATCH), [Agency.HSI], reason="false positive", at=LATER)
    assert recall is not None
    shown = line(LeadRecord(LATER, 0, 7, recall.lead.model_dump_json().encode()), as_json=False)
    assert shown.endswith(" r4 t [WITHDRAWN: false positive]")
    plain = line(LeadRecord(LATER, 0, 8, lead(WATCH).model_dump_json().encode()), as_json=False)
    assert plain.endswith(" r3 t")


def test_a_fact_only_earlier_recipient_is_told_of_the_recall_without_its_reason() -> None:
    """An agency that was sent only the fact of a lead is sent the fact of its recall: the
    status, not the reason (it names the retracted event or the officer)."""
    from fusion.contract import Handling
    from leads.redaction import copy_value

    fact_mex = Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA],
                        fact_releasable_to=[Country.MEX])
    told = lead(WATCH).model_copy(update={"handling": fact_mex})
    recall = withdrawal(told, [Agency.HSI, Agency.ANAM], reason="retracted by HSI: wl-1",
                        at=LATER)
    assert recall is not None
    decisions = {d.agency: d for d in recall_route(recall.lead, "HSI,ANAM") or []}
    assert decisions[Agency.HSI].outcome is Outcome.SENT
    assert decisions[Agency.ANAM].outcome is Outcome.REDACTED
    assert "wl-1" not in decisions[Agency.ANAM].reason
    copy = Lead.model_validate_json(copy_value(recall.lead, recall.lead.model_dump_json()
                                               .encode(), redacted=True))
    assert copy.status is LeadStatus.WITHDRAWN
    assert copy.status_reason is not None
    assert "wl-1" not in copy.model_dump_json()
    assert "HSI" not in copy.status_reason
