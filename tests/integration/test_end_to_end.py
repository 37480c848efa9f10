"""The foundation slice on the real broker and Redis, driven by confluent-kafka (an independent
client, authenticated as each agency):
a crossing of a watchlisted vehicle becomes a lead on the entitled agencies' topics, and only
theirs."""

from __future__ import annotations

import datetime as dt
import time
import uuid

import pytest

from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    DEAD_LETTER_TOPIC,
    Agency,
    Country,
    DeadLetter,
    Lead,
    Tlp,
    feed_topic,
    lead_topic,
)
from fusion.contract.codes import Feed
from tests.factories import crossing, handling, listing
from tests.integration import partner
from tests.integration.conftest import (
    Stack,
    Worker,
    audit_of,
    metric_value,
    recorded_entries,
    wait_until,
)

pytestmark = pytest.mark.integration


def _unique_plate() -> str:
    return "E2E" + uuid.uuid4().hex[:5].upper()


def _list_vehicle(stack: Stack, worker: Worker, plate: str, **kw: object) -> str:
    entry_id = f"bolo-{uuid.uuid4().hex[:8]}"
    event = listing(plate, entry_id=entry_id,
                    at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), **kw)
    partner.produce(stack.agency(event.agency), feed_topic(event.agency, Feed.WATCHLIST),
                 [(plate, event.model_dump_json())])
    key = f"{event.agency.value}/{entry_id}"
    wait_until(lambda: key in recorded_entries(stack, worker), timeout=10,
               what=f"watchlist entry {entry_id} recorded")
    return entry_id


def test_watchlisted_crossing_reaches_entitled_agency_within_5s_and_no_one_else(
    stack: Stack, worker: Worker,
) -> None:
    plate = _unique_plate()
    _list_vehicle(stack, worker, plate)
    # CBP-OFO reports the crossing as AMBER, releasable to the USA only: the US subscribers
    # (HSI, CBP-OFO) are entitled; ANAM (Mexico) subscribes but is not; DEA is disabled.
    event = crossing(f"{plate[:3]}-{plate[3:]}", event_id=f"x-{uuid.uuid4().hex[:8]}",
                     at=dt.datetime.now(dt.UTC), direction="S",
                     handling=handling(Tlp.AMBER, Country.USA))
    hsi_start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
    anam_start = partner.end_offsets(stack.agency(Agency.ANAM), lead_topic(Agency.ANAM))
    cbp_start = partner.end_offsets(stack.agency(Agency.CBP_OFO), lead_topic(Agency.CBP_OFO))
    started = time.monotonic()
    partner.produce(stack.agency(Agency.CBP_OFO), feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS),
                    [(plate, event.model_dump_json())])
    try:  # HSI reads its own topic with its own credentials
        (message,) = partner.read(stack.agency(Agency.HSI), lead_topic(Agency.HSI),
                                  {0: hsi_start[0]}, count=1, timeout=5)
    except TimeoutError:
        pytest.fail("no lead on leads.hsi within 5 seconds of publishing the crossing")
    elapsed = time.monotonic() - started
    lead = Lead.model_validate_json(message.payload or "")
    assert elapsed < 5
    assert message.key == lead.lead_id
    assert lead.rule_hits[0].rule_id == "watchlist-vehicle-crossing"
    assert {(e.agency, e.event_id) for e in lead.evidence} >= {(Agency.CBP_OFO, event.event_id)}
    assert lead.handling.tlp is Tlp.AMBER
    assert plate in lead.title
    assert "southbound" in lead.title

    audit = wait_until(lambda: audit_of(stack, worker, lead.lead_id), timeout=5,
                       what="the dissemination audit of the lead")
    assert audit["1:HSI"].startswith("sent")
    assert audit["1:CBP-OFO"].startswith("sent")
    assert audit["1:ANAM"].startswith("handling")
    assert audit["1:DEA"].startswith("disabled")
    # The audit commits in one transaction with the copies, so ANAM's topic is final here.
    anam = partner.read_to_end(stack.agency(Agency.ANAM), lead_topic(Agency.ANAM), anam_start)
    assert all(m.key != lead.lead_id for m in anam)
    cbp = partner.read_to_end(stack.agency(Agency.CBP_OFO), lead_topic(Agency.CBP_OFO), cbp_start)
    assert [m.key for m in cbp].count(lead.lead_id) == 1


def test_a_replayed_crossing_gives_the_same_lead_which_is_sent_once(
    stack: Stack, worker: Worker,
) -> None:
    plate = _unique_plate()
    _list_vehicle(stack, worker, plate)
    event = crossing(plate, event_id=f"x-{uuid.uuid4().hex[:8]}", at=dt.datetime.now(dt.UTC))
    start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
    dlq_start = partner.end_offsets(stack.admin, DEAD_LETTER_TOPIC)
    duplicates_before = metric_value(worker.metrics_url, "fusion_duplicate_leads_total")
    for _ in range(2):
        partner.produce(stack.agency(Agency.CBP_OFO),
                        feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS),
                        [(plate, event.model_dump_json())])

    def deliveries() -> list[partner.Message]:
        hsi = stack.agency(Agency.HSI)
        return [m for m in partner.read_to_end(hsi, lead_topic(Agency.HSI), start)
                if plate in (m.payload or "")]

    # The intake drops the repeat (same agency and event id) with a dead letter...
    (letter,) = wait_until(
        lambda: [d for d in (DeadLetter.model_validate_json(m.payload or "") for m in
                             partner.read_to_end(stack.admin, DEAD_LETTER_TOPIC, dlq_start))
                 if event.event_id in (d.original_text or "")],
        timeout=10, what="the repeat's dead letter", every=0.2)
    assert letter.reason.value == "duplicate-event"
    (first,) = wait_until(deliveries, timeout=10, what="the lead", every=0.2)
    # ... and a repeat it cannot see (after a restart, past its horizon) makes the same lead id
    # again, which the dispatcher sees was sent and stops: the lead as re-fired.
    partner.produce(stack.admin, CANDIDATE_LEADS_TOPIC, [(first.key or "", first.payload or "")])
    wait_until(lambda: metric_value(worker.metrics_url, "fusion_duplicate_leads_total")
               > duplicates_before, timeout=10, what="the re-fired lead to be recognised",
               every=0.2)
    messages = deliveries()
    assert len(messages) == 1
    assert Lead.model_validate_json(messages[0].payload or "").lead_id == messages[0].key
