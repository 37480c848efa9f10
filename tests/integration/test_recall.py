"""Recalls on the real broker, a real worker and a real escalation service: an officer's
withdrawal reaches every earlier recipient on Kafka as a withdrawn revision, even one whose
subscription was removed since, and the audit shows each recall sent; a retraction by the
publishing agency corrects a lead that still stands on the rest of its evidence and
withdraws one that does not; an agency cannot retract another's event, and the service
cannot write lead topics or the dispatcher's audit."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator

import pytest

from adapters.kafka.subscriptions import put_subscription, remove_subscription
from fusion.contract import (
    AUDIT_TOPIC,
    DEAD_LETTER_TOPIC,
    TRIAGE_TOPIC,
    Agency,
    DeadLetter,
    EvidenceRef,
    Feed,
    Lead,
    feed_topic,
    lead_topic,
)
from fusion.contract.lead import LeadStatus
from fusion.contract.principals import DASHBOARD, ESCALATION
from leads.subscriptions import Subscription
from tests.factories import grading
from tests.integration import partner
from tests.integration.conftest import Stack, Worker, audit_of, wait_until
from tests.integration.escalation_harness import (
    Service,
    ack,
    candidate,
    flash_lead,
    make_service,
)

pytestmark = pytest.mark.integration
RECIPIENTS = (Agency.HSI, Agency.CBP_OFO)


@pytest.fixture(scope="module")
def service(stack: Stack, worker: Worker, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Service]:
    svc = make_service(stack, worker, tmp_path_factory.mktemp("recall"))
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()


def sent_to_both(stack: Stack, worker: Worker, lead: Lead, revision: int = 1) -> dict[str, str]:
    def both() -> dict[str, str] | None:
        audit = audit_of(stack, worker, lead.lead_id) or {}
        done = all(audit.get(f"{revision}:{a.value}", "").startswith("sent") for a in RECIPIENTS)
        return audit if done else None

    found: dict[str, str] = wait_until(both, timeout=60,
                                       what=f"revision {revision} of {lead.lead_id} sent")
    return found


def received(stack: Stack, agency: Agency, start: dict[int, int], lead: Lead,
             revision: int) -> Lead | None:
    for message in partner.read_to_end(stack.agency(agency), lead_topic(agency), start):
        got = Lead.model_validate_json(message.payload or "")
        if got.lead_id == lead.lead_id and got.revision == revision:
            return got
    return None


def starts(stack: Stack) -> dict[Agency, dict[int, int]]:
    return {a: partner.end_offsets(stack.agency(a), lead_topic(a)) for a in RECIPIENTS}


def test_a_withdrawal_reaches_every_earlier_recipient_even_unsubscribed(
        stack: Stack, worker: Worker, service: Service) -> None:
    begin = starts(stack)
    lead = flash_lead("recall-test")
    candidate(stack, lead)
    sent_to_both(stack, worker, lead)
    remove_subscription(stack.admin, worker.topics.subscriptions, Agency.CBP_OFO)
    try:
        withdraw = json.loads(ack(lead, Agency.EPIC, channel="dashboard", kind="withdraw",
                                  actor="ana"))
        partner.produce(stack.access(DASHBOARD), TRIAGE_TOPIC, [(lead.lead_id, json.dumps(
            {**withdraw, "note": "plate misread"}))])
        audit = sent_to_both(stack, worker, lead, revision=2)
        for agency in RECIPIENTS:
            assert audit[f"2:{agency.value}"] == (  # the note stays off the audit
                "sent recall to an earlier recipient (withdrawn)")
            recall = wait_until(lambda a=agency: received(stack, a, begin[a], lead, 2),
                                timeout=30, what=f"the recall on leads.{agency.slug}")
            assert recall.status is LeadStatus.WITHDRAWN
            assert recall.status_reason == "withdrawn by ana (EPIC, dashboard): plate misread"
        assert set(audit) == {"1:HSI", "1:CBP-OFO", "1:ANAM", "1:DEA", "2:HSI", "2:CBP-OFO"}
        wait_until(lambda: service.metric("fusion_recalls_sent_total") >= 2, timeout=30,
                   what="both recalls counted")
    finally:
        put_subscription(stack.admin, worker.topics.subscriptions,
                         Subscription(agency=Agency.CBP_OFO))
    service.stop()  # a restart reads the withdrawal again and issues nothing new
    service.start()
    wait_until(lambda: service.metric("fusion_escalation_rounds_total") >= 2, timeout=30,
               what="two rounds after the restart")
    assert service.metric("fusion_recall_revisions_issued_total") == 0
    assert set(audit_of(stack, worker, lead.lead_id) or {}) == set(audit)


def _evidence(agency: Agency, feed: Feed, type_: str) -> EvidenceRef:
    return EvidenceRef(agency=agency, feed=feed, event_id=f"ev-{uuid.uuid4().hex[:10]}",
                       type=type_, occurred_at=dt.datetime.now(dt.UTC), grading=grading("B2"))


def _retraction(ref: EvidenceRef, *, agency: Agency | None = None, reason: str) -> str:
    return json.dumps({"schema_version": 1, "record": "retraction",
                       "retraction_id": f"r-{uuid.uuid4().hex[:8]}",
                       "agency": (agency or ref.agency).value, "feed": ref.feed.value,
                       "event_id": ref.event_id, "reason": reason,
                       "retracted_at": dt.datetime.now(dt.UTC).isoformat()})


def test_retractions_correct_then_withdraw_and_only_the_publisher_may_retract(
        stack: Stack, worker: Worker, service: Service) -> None:
    begin = starts(stack)
    crossing_a = _evidence(Agency.CBP_OFO, Feed.POE_CROSSINGS, "poe.crossing")
    crossing_b = _evidence(Agency.CBP_OFO, Feed.POE_CROSSINGS, "poe.crossing")
    entry = _evidence(Agency.HSI, Feed.WATCHLIST, "watchlist.entry")
    lead = flash_lead("recall-test").model_copy(
        update={"evidence": [crossing_a, crossing_b, entry]})
    candidate(stack, lead)
    sent_to_both(stack, worker, lead)

    dlq = partner.end_offsets(stack.admin, DEAD_LETTER_TOPIC)
    with pytest.raises(partner.RefusedError):  # HSI cannot write CBP-OFO's feed
        partner.produce(stack.agency(Agency.HSI), feed_topic(Agency.CBP_OFO,
                                                             Feed.POE_CROSSINGS),
                        [("k", _retraction(crossing_a, reason="not ours"))])
    partner.produce(stack.agency(Agency.HSI), feed_topic(Agency.HSI, Feed.WATCHLIST),
                    [("k", _retraction(crossing_a, reason="not ours"))])  # on its own topic
    letter = wait_until(lambda: next((
        DeadLetter.model_validate_json(m.payload or "")
        for m in partner.read_to_end(stack.admin, DEAD_LETTER_TOPIC, dlq)
        if crossing_a.event_id in (m.payload or "")), None), timeout=30,
        what="the foreign retraction dead-lettered")
    assert (letter.reason.value, letter.errors[0].field) == ("topic-mismatch", "agency")

    partner.produce(stack.agency(Agency.CBP_OFO), feed_topic(Agency.CBP_OFO,
                                                             Feed.POE_CROSSINGS),
                    [("k", _retraction(crossing_b, reason="wrong lane"))])
    audit = sent_to_both(stack, worker, lead, revision=2)
    assert audit["2:HSI"].startswith("sent correction to an earlier recipient")
    for agency in RECIPIENTS:
        corrected = wait_until(lambda a=agency: received(stack, a, begin[a], lead, 2),
                               timeout=30, what=f"the correction on leads.{agency.slug}")
        assert corrected.status is LeadStatus.CORRECTED
        assert corrected.evidence == [crossing_a, entry]
        assert corrected.status_reason == (
            f"evidence retracted and removed (CBP-OFO/{crossing_b.event_id}): wrong lane")

    partner.produce(stack.agency(Agency.HSI), feed_topic(Agency.HSI, Feed.WATCHLIST),
                    [("k", _retraction(entry, reason="entered in error"))])
    sent_to_both(stack, worker, lead, revision=3)
    for agency in RECIPIENTS:
        withdrawn = wait_until(lambda a=agency: received(stack, a, begin[a], lead, 3),
                               timeout=30, what=f"the recall on leads.{agency.slug}")
        assert withdrawn.status is LeadStatus.WITHDRAWN
        assert withdrawn.evidence == [crossing_a, entry]


def test_the_service_cannot_write_leads_or_the_dispatch_audit(stack: Stack) -> None:
    lead = flash_lead()
    for topic in (lead_topic(Agency.HSI), AUDIT_TOPIC):
        with pytest.raises(partner.RefusedError):
            partner.produce(stack.access(ESCALATION), topic,
                            [(lead.lead_id, lead.model_dump_json())])
