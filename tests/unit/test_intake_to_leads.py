"""The intake and correlate stages in one process, without Kafka or Faust (both are pure now:
the intake reads no store, the lanes hold the watchlist in event time): batches, event-time
matching, watchlist removal, dead letters, what the intake refuses beyond the contract (time,
repeats), the watchlist leads built by the lanes, and metrics counted on delivery."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence
from pathlib import Path

import pytest
from prometheus_client import CollectorRegistry

from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_TOPIC,
    DEAD_LETTER_TOPIC,
    WATCHLIST_STATE_TOPIC,
    Agency,
    DeadLetter,
    EventEnvelope,
    Feed,
    Lead,
    Port,
    feed_topic,
)
from rules.engine import InMemoryStore
from rules.loader import load_catalogue
from rules.watchlist import WatchlistEntry
from stream_apps.correlate import CorrelationStage
from stream_apps.dead_letters import RecordOrigin
from stream_apps.decoded_events import DecodedEvents
from stream_apps.intake import IntakeStage
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import InboundRecord, OutboundRecord
from stream_apps.rule_runtime import RuleRuntime
from stream_apps.share_packs import PACK_KEY, Share, is_pack
from stream_apps.share_packs import decode as decode_pack
from tests.factories import T0, crossing, listing

CATALOGUE = Path(__file__).resolve().parents[2] / "rules" / "catalogue"
RULES = load_catalogue(CATALOGUE)


def _record(event: EventEnvelope | bytes, offset: int) -> InboundRecord:
    if isinstance(event, EventEnvelope):
        topic, value = feed_topic(event.agency, event.feed), event.model_dump_json().encode()
    else:
        topic, value = feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS), event
    return InboundRecord(RecordOrigin(topic, 0, offset, None, b"k"), value)


def _run(*batches: Sequence[EventEnvelope | bytes], delivered: bool = True,
         again: bool = False) -> tuple[list[list[OutboundRecord]], CollectorRegistry]:
    """Each batch through the intake (offsets numbered across batches) and its share packs
    through a correlate stage of the catalogue; per batch, both stages' outputs, their
    records' counts applied as the delivery does once the broker has them (unless not
    ``delivered``); with ``again``, the intake handles each batch a second time (a batch
    read again) and the second output goes on."""
    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry)
    decoded = DecodedEvents()

    async def no_record_of_record() -> list[WatchlistEntry]:
        return []

    stores: dict[int, InMemoryStore] = {}
    wall = [T0]  # the correlate stage's clock: a minute per batch, past its warm-up

    async def go() -> list[list[OutboundRecord]]:
        intake = IntakeStage(metrics=metrics, clock=lambda: T0, decoded=decoded)
        correlate = CorrelationStage(
            runtime=RuleRuntime(RULES, "test", dt.timedelta(minutes=1)),
            seed=no_record_of_record, metrics=metrics, clock=lambda: wall[0],
            store_for=lambda p: stores.setdefault(p, InMemoryStore()), partitions=4,
            monotonic=lambda: 0.0, decoded=decoded)
        outs, offset, pack_offset = [], 0, 0
        for batch in batches:
            records = [_record(e, offset + i) for i, e in enumerate(batch)]
            offset += len(batch)
            out = await intake.handle(records)
            if again:
                out = await intake.handle(records)
            packs = []
            for r in out:
                if r.topic == CORRELATION_TOPIC:
                    packs.append(InboundRecord(RecordOrigin(
                        CORRELATION_TOPIC, r.partition or 0, pack_offset, None, PACK_KEY),
                        r.value))
                    pack_offset += 1
            out = out + await correlate.handle(packs)
            wall[0] += dt.timedelta(minutes=1)
            outs.append(out)
            for counter in (c for r in out for c in r.counts if delivered):
                counter.inc()
        return outs

    return asyncio.run(go()), registry


def _leads(out: list[OutboundRecord]) -> list[Lead]:
    return [Lead.model_validate_json(r.value) for r in out if r.topic == CANDIDATE_LEADS_TOPIC]


def _letters(out: list[OutboundRecord]) -> list[DeadLetter]:
    return [DeadLetter.model_validate_json(r.value or b"") for r in out
            if r.topic == DEAD_LETTER_TOPIC]


def _shares(out: list[OutboundRecord]) -> list[Share]:
    """The event shares of a batch's output, from its share packs."""
    return [share for r in out if r.topic == CORRELATION_TOPIC and is_pack(r.value)
            for share in decode_pack(r.value or b"").shares]


def test_order_within_a_batch_does_not_matter() -> None:
    entry, event = listing("ABC1234"), crossing("ABC-1234")
    (forward,), _ = _run([entry, event])
    (backward,), _ = _run([event, entry])
    assert [lead.lead_id for lead in _leads(forward)] == [lead.lead_id for lead in _leads(backward)]
    assert len(_leads(forward)) == 1


def test_the_lanes_take_the_envelopes_the_intake_decoded() -> None:
    """Every share reaches its lane as the envelope the intake validated (starting from an
    empty DecodedEvents, which is falsy: it must still be the one shared), none re-parsed."""
    _, registry = _run([listing("ABC1234"), crossing("ABC-1234"), crossing("XYZ-9876")])
    reused = registry.get_sample_value("fusion_shares_decoded_total", {"how": "reused"})
    parsed = registry.get_sample_value("fusion_shares_decoded_total", {"how": "parsed"})
    assert reused is not None
    assert reused >= 3
    assert not parsed


def test_removed_and_expired_entries_do_not_match() -> None:
    removal = listing("ABC1234", action="remove", at=T0 - dt.timedelta(minutes=5)).model_copy(
        update={"event_id": "wl-E1-removed"})  # another event about the same entry
    expired = listing("XYZ9876", entry_id="E2", expires_at=T0 - dt.timedelta(minutes=1))
    batches, registry = _run([listing("ABC1234"), expired], [removal],
                             [crossing("ABC1234"), crossing("XYZ9876", event_id="x-2")])
    assert _leads(batches[2]) == []
    assert registry.get_sample_value("fusion_watchlist_changes_total", {"action": "add"}) == 2
    assert registry.get_sample_value("fusion_watchlist_changes_total", {"action": "remove"}) == 1
    assert registry.get_sample_value("fusion_events_valid_total", {"feed": "poe-crossings"}) == 2


def test_bad_records_become_dead_letters_beside_good_ones() -> None:
    (out,), registry = _run([b"{oops", listing("ABC1234"), crossing("ABC1234")])
    letters = _letters(out)
    assert [(d.reason.value, d.offset, d.original_text) for d in letters] == [
        ("malformed-json", 0, "{oops")]
    assert len(_leads(out)) == 1
    assert registry.get_sample_value("fusion_dead_letters_total",
                                     {"reason": "malformed-json"}) == 1
    assert registry.get_sample_value("fusion_leads_generated_total",
                                     {"category": "watchlist"}) == 1



def test_counts_ride_on_the_records_until_the_broker_has_them() -> None:
    (out,), registry = _run([b"{oops", listing("ABC1234"), crossing("ABC1234")],
                            delivered=False)
    for name, labels in [("fusion_dead_letters_total", {"reason": "malformed-json"}),
                         ("fusion_events_valid_total", {"feed": "watchlist"}),
                         ("fusion_leads_generated_total", {"category": "watchlist"})]:
        assert not registry.get_sample_value(name, labels), name
    counted = [r.topic for r in out for _ in r.counts]  # one count per primary share
    assert sorted(counted) == sorted([DEAD_LETTER_TOPIC, CORRELATION_TOPIC, CORRELATION_TOPIC,
                                      WATCHLIST_STATE_TOPIC, CANDIDATE_LEADS_TOPIC])


@pytest.mark.parametrize(("at", "reason", "problem"), [
    (dt.datetime(2999, 1, 1, tzinfo=dt.UTC), "event-in-future", "in_future"),
    (T0 + dt.timedelta(seconds=301), "event-in-future", "in_future"),
    (dt.datetime(1986, 5, 1, tzinfo=dt.UTC), "event-too-old", "too_old"),
    (T0 - dt.timedelta(days=7, seconds=1), "event-too-old", "too_old"),
])
def test_events_out_of_time_are_dead_lettered_and_lead_nothing(
        at: dt.datetime, reason: str, problem: str) -> None:
    (out,), registry = _run([listing("ABC1234"), crossing("ABC1234", at=at)])
    (letter,) = _letters(out)
    assert (letter.reason.value, letter.errors[0].field, letter.errors[0].problem) == (
        reason, "occurred_at", problem)
    assert _leads(out) == []
    assert registry.get_sample_value("fusion_dead_letters_total", {"reason": reason}) == 1


def test_events_within_the_skew_and_the_age_are_taken() -> None:
    batch = [listing("ABC1234", at=T0 - dt.timedelta(days=6)),
             crossing("ABC1234", at=T0 + dt.timedelta(seconds=300))]
    (out,), _ = _run(batch)
    assert _letters(out) == []
    assert len(_leads(out)) == 1


def test_a_repeated_event_id_is_dropped_once_with_a_dead_letter() -> None:
    entry, event = listing("ABC1234"), crossing("ABC1234", event_id="x-7")
    batches, registry = _run([entry, event, event], [event])
    assert len(_leads(batches[0])) == 1
    assert [(d.reason.value, d.offset, d.errors[0].field) for d in _letters(batches[0])] == [
        ("duplicate-event", 2, "event_id")]
    assert [d.offset for d in _letters(batches[1])] == [3]
    assert _leads(batches[1]) == []
    assert _shares(batches[1]) == []
    assert registry.get_sample_value("fusion_duplicate_events_total",
                                     {"feed": "poe-crossings"}) == 2
    # the same event id from another agency is another event
    other = crossing("ABC1234", event_id="x-7", agency=Agency.ANAM, port=Port.MX_CIUDAD_JUAREZ)
    (out,), _ = _run([event, other])
    assert _letters(out) == []


def test_a_batch_handled_again_is_no_repeat_of_itself() -> None:
    """A batch read again (after a rebalance, or a crash before its commit) has the same
    records at the same offsets: nothing of it is a duplicate."""
    (out,), _ = _run([listing("ABC1234"), crossing("ABC1234")], again=True)
    assert _letters(out) == []
    assert len(_leads(out)) == 1


def test_a_watchlist_hit_and_a_rule_hit_on_one_vehicle_make_one_lead() -> None:
    """One path for every lead: the watchlist crossing rule and the catalogue's
    refused-then-crossed-again rule fire on crossings of one listed vehicle, and the lanes
    combine both hits into one lead for that vehicle, revised as the second hit comes (before,
    the intake sent its own watchlist lead beside the correlate stage's)."""
    refused = crossing("ABC1234", event_id="x-refused", outcome="refused",
                       at=T0 - dt.timedelta(hours=1))
    again = crossing("ABC1234", event_id="x-again")
    later = crossing("ZZZ0001", event_id="x-after", at=T0 + dt.timedelta(minutes=4))
    batches, _ = _run([listing("ABC1234"), refused, again], [later])
    leads = [lead for out in batches for lead in _leads(out)
             if "ABC1234" in lead.title or "ABC1234" in lead.summary]
    rules = {hit.rule_id for lead in leads for hit in lead.rule_hits}
    assert {"watchlist-vehicle-crossing", "refused-then-crossed-again"} <= rules
    assert len({lead.lead_id for lead in leads}) == 1
    assert {"watchlist-vehicle-crossing", "refused-then-crossed-again"} <= {
        hit.rule_id for hit in leads[-1].rule_hits}


def test_a_listing_that_arrives_after_the_crossing_is_found_on_release() -> None:
    """Immediate if listed, else when event time passes the crossing: a listing older than
    the crossing, read a batch later, still leads once (and only once)."""
    event = crossing("ABC1234", event_id="x-early")
    late_listing = listing("ABC1234")  # listed a day before the crossing
    later = crossing("ZZZ0001", event_id="x-after", at=T0 + dt.timedelta(minutes=4))
    batches, _ = _run([event], [late_listing], [later])
    assert _leads(batches[0]) == []
    assert _leads(batches[1]) == []
    released = [lead for out in batches for lead in _leads(out)
                if "watchlist-vehicle-crossing" in {h.rule_id for h in lead.rule_hits}]
    assert len({lead.lead_id for lead in released}) == 1


def test_shares_delivered_again_after_event_time_moved_on_are_repeats_not_late() -> None:
    """The intake reads a batch again when its group rebalanced before the commit: the
    lanes took its shares already and event time has moved past them since. They are
    dropped as repeats (counted), not sent to internal.late-events as if never seen."""
    from fusion.contract import LATE_EVENTS_TOPIC

    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry)
    decoded = DecodedEvents()
    stores: dict[int, InMemoryStore] = {}
    wall = [T0 + dt.timedelta(minutes=1)]

    async def no_record_of_record() -> list[WatchlistEntry]:
        return []

    async def go() -> list[OutboundRecord]:
        intake = IntakeStage(metrics=metrics, clock=lambda: wall[0], decoded=decoded)
        correlate = CorrelationStage(
            runtime=RuleRuntime(RULES, "test", dt.timedelta(minutes=1)),
            seed=no_record_of_record, metrics=metrics, clock=lambda: wall[0],
            store_for=lambda p: stores.setdefault(p, InMemoryStore()), partitions=4,
            monotonic=lambda: 0.0, decoded=decoded)

        async def through(events: Sequence[EventEnvelope], first: int
                          ) -> tuple[list[InboundRecord], list[OutboundRecord]]:
            out = await intake.handle([_record(e, first + i) for i, e in enumerate(events)])
            packs = [InboundRecord(RecordOrigin(CORRELATION_TOPIC, r.partition or 0, first + i,
                                                None, PACK_KEY), r.value)
                     for i, r in enumerate(out) if r.topic == CORRELATION_TOPIC]
            return packs, await correlate.handle(packs)

        early, _ = await through([crossing("ABC1234", at=T0 - dt.timedelta(hours=3))], 0)
        wall[0] += dt.timedelta(seconds=5)  # a re-read comes seconds later in wall time
        await through([crossing("ABC1234", event_id="c-2", at=T0)], 10)
        return await correlate.handle(early)  # the first batch's packs, delivered again

    again = asyncio.run(go())
    assert [r for r in again if r.topic == LATE_EVENTS_TOPIC] == []
    assert registry.get_sample_value("fusion_shares_repeated_total") == 1
