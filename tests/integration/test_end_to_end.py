"""The foundation slice on the real broker and Redis, driven by kcat (an independent client):
a crossing of a watchlisted vehicle becomes a lead on the entitled agencies' topics, and only
theirs."""

from __future__ import annotations

import datetime as dt
import subprocess
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
from tests.integration import kcat
from tests.integration.conftest import Stack, Worker, metric_value, wait_until

pytestmark = pytest.mark.integration


def _unique_plate() -> str:
    return "E2E" + uuid.uuid4().hex[:5].upper()


def _list_vehicle(stack: Stack, worker: Worker, plate: str, **kw: object) -> str:
    entry_id = f"bolo-{uuid.uuid4().hex[:8]}"
    event = listing(plate, entry_id=entry_id,
                    at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1), **kw)
    kcat.produce(stack.bootstrap, feed_topic(event.agency, Feed.WATCHLIST),
                 [(plate, event.model_dump_json())])
    key = f"{worker.prefix}wl:entry:{event.agency.value}/{entry_id}"
    wait_until(lambda: stack.redis.exists(key), timeout=10,
               what=f"watchlist entry {entry_id} in Redis")
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
    hsi_start = kcat.end_offsets(stack.bootstrap, lead_topic(Agency.HSI))
    anam_start = kcat.end_offsets(stack.bootstrap, lead_topic(Agency.ANAM))
    cbp_start = kcat.end_offsets(stack.bootstrap, lead_topic(Agency.CBP_OFO))
    reader = subprocess.Popen(
        kcat.consume_command(stack.bootstrap, lead_topic(Agency.HSI), 0, hsi_start[0], count=1),
        stdout=subprocess.PIPE, text=True)
    started = time.monotonic()
    kcat.produce(stack.bootstrap, feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS),
                 [(plate, event.model_dump_json())])
    try:
        stdout, _ = reader.communicate(timeout=5)
    except subprocess.TimeoutExpired:
        reader.kill()
        pytest.fail("no lead on leads.hsi within 5 seconds of publishing the crossing")
    elapsed = time.monotonic() - started
    (message,) = kcat.parse(stdout)
    lead = Lead.model_validate_json(message.payload or "")
    assert elapsed < 5
    assert message.key == lead.lead_id
    assert lead.rule_hits[0].rule_id == "watchlist-vehicle-crossing"
    assert {(e.agency, e.event_id) for e in lead.evidence} >= {(Agency.CBP_OFO, event.event_id)}
    assert lead.handling.tlp is Tlp.AMBER
    assert plate in lead.title
    assert "southbound" in lead.title

    audit = wait_until(lambda: _audit(stack, worker, lead.lead_id), timeout=5,
                       what="the dissemination audit of the lead")
    assert audit["1:HSI"].startswith("sent")
    assert audit["1:CBP-OFO"].startswith("sent")
    assert audit["1:ANAM"].startswith("handling")
    assert audit["1:DEA"].startswith("disabled")
    # The audit is written after every send was confirmed, so ANAM's topic is final here.
    anam = kcat.read_to_end(stack.bootstrap, lead_topic(Agency.ANAM), anam_start)
    assert all(m.key != lead.lead_id for m in anam)
    cbp = kcat.read_to_end(stack.bootstrap, lead_topic(Agency.CBP_OFO), cbp_start)
    assert [m.key for m in cbp].count(lead.lead_id) == 1


def test_a_replayed_crossing_gives_the_same_lead_which_is_sent_once(
    stack: Stack, worker: Worker,
) -> None:
    plate = _unique_plate()
    _list_vehicle(stack, worker, plate)
    event = crossing(plate, event_id=f"x-{uuid.uuid4().hex[:8]}", at=dt.datetime.now(dt.UTC))
    start = kcat.end_offsets(stack.bootstrap, lead_topic(Agency.HSI))
    dlq_start = kcat.end_offsets(stack.bootstrap, DEAD_LETTER_TOPIC)
    duplicates_before = metric_value(worker.metrics_url, "fusion_duplicate_leads_total")
    for _ in range(2):
        kcat.produce(stack.bootstrap, feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS),
                     [(plate, event.model_dump_json())])

    def deliveries() -> list[kcat.KcatMessage]:
        return [m for m in kcat.read_to_end(stack.bootstrap, lead_topic(Agency.HSI), start)
                if plate in (m.payload or "")]

    # The intake drops the repeat (same agency and event id) with a dead letter...
    (letter,) = wait_until(
        lambda: [d for d in (DeadLetter.model_validate_json(m.payload or "") for m in
                             kcat.read_to_end(stack.bootstrap, DEAD_LETTER_TOPIC, dlq_start))
                 if event.event_id in (d.original_text or "")],
        timeout=10, what="the repeat's dead letter", every=0.2)
    assert letter.reason.value == "duplicate-event"
    (first,) = wait_until(deliveries, timeout=10, what="the lead", every=0.2)
    # ... and a repeat it cannot see (after a restart, past its horizon) makes the same lead id
    # again, which the dispatcher sees was sent and stops: the lead as re-fired.
    kcat.produce(stack.bootstrap, CANDIDATE_LEADS_TOPIC, [(first.key or "", first.payload or "")])
    wait_until(lambda: metric_value(worker.metrics_url, "fusion_duplicate_leads_total")
               > duplicates_before, timeout=10, what="the re-fired lead to be recognised",
               every=0.2)
    messages = deliveries()
    assert len(messages) == 1
    assert Lead.model_validate_json(messages[0].payload or "").lead_id == messages[0].key


def _audit(stack: Stack, worker: Worker, lead_id: str) -> dict[str, str] | None:
    raw = stack.redis.hgetall(f"{worker.prefix}audit:lead:{lead_id}")
    return {k.decode(): v.decode() for k, v in raw.items()} if raw else None
