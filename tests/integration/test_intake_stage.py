"""The intake stage against the real Redis server (no broker): batches, event-time
matching, watchlist removal, dead letters, what it refuses beyond the contract (time, repeats)
and metrics, without Faust in the way."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Sequence

import pytest
from prometheus_client import CollectorRegistry

from adapters.redis.client import connect_redis
from adapters.redis.watchlist_store import WatchlistStore
from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_TOPIC,
    DEAD_LETTER_TOPIC,
    Agency,
    DeadLetter,
    EventEnvelope,
    Feed,
    Lead,
    Port,
    feed_topic,
)
from stream_apps.dead_letters import RecordOrigin
from stream_apps.intake import IntakeStage
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import InboundRecord, OutboundRecord
from stream_apps.share_packs import Share, is_pack
from stream_apps.share_packs import decode as decode_pack
from tests.factories import T0, crossing, listing
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def _record(event: EventEnvelope | bytes, offset: int) -> InboundRecord:
    if isinstance(event, EventEnvelope):
        topic, value = feed_topic(event.agency, event.feed), event.model_dump_json().encode()
    else:
        topic, value = feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS), event
    return InboundRecord(RecordOrigin(topic, 0, offset, None, b"k"), value)


def _run(stack: Stack, *batches: Sequence[EventEnvelope | bytes], delivered: bool = True,
         again: bool = False) -> tuple[list[list[OutboundRecord]], CollectorRegistry]:
    """Each batch through one stage (offsets numbered across batches), its records' counts
    applied as the delivery does once the broker has them (unless not ``delivered``); with
    ``again``, each batch is handled a second time, as after a failed Redis call."""
    registry = CollectorRegistry()

    async def go() -> list[list[OutboundRecord]]:
        client = await connect_redis(stack.settings)
        prefix = f"stage-{uuid.uuid4().hex[:8]}:"
        stage = IntakeStage(watchlist=WatchlistStore(client, prefix=prefix),
                            metrics=WorkerMetrics(registry), clock=lambda: T0)
        outs, offset = [], 0
        try:
            for batch in batches:
                records = [_record(e, offset + i) for i, e in enumerate(batch)]
                offset += len(batch)
                out = await stage.handle(records)
                if again:
                    out = await stage.handle(records)
                outs.append(out)
                for counter in (c for r in out for c in r.counts if delivered):
                    counter.inc()
            return outs
        finally:
            async for key in client.scan_iter(f"{prefix}*"):
                await client.delete(key)
            await client.aclose()

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


def test_order_within_a_batch_does_not_matter(stack: Stack) -> None:
    entry, event = listing("ABC1234"), crossing("ABC-1234")
    (forward,), _ = _run(stack, [entry, event])
    (backward,), _ = _run(stack, [event, entry])
    assert [lead.lead_id for lead in _leads(forward)] == [lead.lead_id for lead in _leads(backward)]
    assert len(_leads(forward)) == 1


def test_removed_and_expired_entries_do_not_match(stack: Stack) -> None:
    removal = listing("ABC1234", action="remove", at=T0 - dt.timedelta(minutes=5)).model_copy(
        update={"event_id": "wl-E1-removed"})  # another event about the same entry
    expired = listing("XYZ9876", entry_id="E2", expires_at=T0 - dt.timedelta(minutes=1))
    batches, registry = _run(stack, [listing("ABC1234"), expired], [removal],
                             [crossing("ABC1234"), crossing("XYZ9876", event_id="x-2")])
    assert _leads(batches[2]) == []
    assert registry.get_sample_value("fusion_watchlist_changes_total", {"action": "add"}) == 2
    assert registry.get_sample_value("fusion_watchlist_changes_total", {"action": "remove"}) == 1
    assert registry.get_sample_value("fusion_events_valid_total", {"feed": "poe-crossings"}) == 2


def test_bad_records_become_dead_letters_beside_good_ones(stack: Stack) -> None:
    (out,), registry = _run(stack, [b"{oops", listing("ABC1234"), crossing("ABC1234")])
    letters = _letters(out)
    assert [(d.reason.value, d.offset, d.original_text) for d in letters] == [
        ("malformed-json", 0, "{oops")]
    assert len(_leads(out)) == 1
    assert registry.get_sample_value("fusion_dead_letters_total",
                                     {"reason": "malformed-json"}) == 1
    assert registry.get_sample_value("fusion_leads_generated_total",
                                     {"category": "watchlist"}) == 1



def test_counts_ride_on_the_records_until_the_broker_has_them(stack: Stack) -> None:
    (out,), registry = _run(stack, [b"{oops", listing("ABC1234"), crossing("ABC1234")],
                            delivered=False)
    for name, labels in [("fusion_dead_letters_total", {"reason": "malformed-json"}),
                         ("fusion_events_valid_total", {"feed": "watchlist"}),
                         ("fusion_leads_generated_total", {"category": "watchlist"})]:
        assert not registry.get_sample_value(name, labels), name
    counted = [r.topic for r in out for _ in r.counts]  # one count per primary share
    assert sorted(counted) == sorted([DEAD_LETTER_TOPIC, CORRELATION_TOPIC, CORRELATION_TOPIC,
                                      CANDIDATE_LEADS_TOPIC])


@pytest.mark.parametrize(("at", "reason", "problem"), [
    (dt.datetime(2999, 1, 1, tzinfo=dt.UTC), "event-in-future", "in_future"),
    (T0 + dt.timedelta(seconds=301), "event-in-future", "in_future"),
    (dt.datetime(1986, 5, 1, tzinfo=dt.UTC), "event-too-old", "too_old"),
    (T0 - dt.timedelta(days=7, seconds=1), "event-too-old", "too_old"),
])
def test_events_out_of_time_are_dead_lettered_and_lead_nothing(
        stack: Stack, at: dt.datetime, reason: str, problem: str) -> None:
    (out,), registry = _run(stack, [listing("ABC1234"), crossing("ABC1234", at=at)])
    (letter,) = _letters(out)
    assert (letter.reason.value, letter.errors[0].field, letter.errors[0].problem) == (
        reason, "occurred_at", problem)
    assert _leads(out) == []
    assert registry.get_sample_value("fusion_dead_letters_total", {"reason": reason}) == 1


def test_events_within_the_skew_and_the_age_are_taken(stack: Stack) -> None:
    batch = [listing("ABC1234", at=T0 - dt.timedelta(days=6)),
             crossing("ABC1234", at=T0 + dt.timedelta(seconds=300))]
    (out,), _ = _run(stack, batch)
    assert _letters(out) == []
    assert len(_leads(out)) == 1


def test_a_repeated_event_id_is_dropped_once_with_a_dead_letter(stack: Stack) -> None:
    entry, event = listing("ABC1234"), crossing("ABC1234", event_id="x-7")
    batches, registry = _run(stack, [entry, event, event], [event])
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
    (out,), _ = _run(stack, [event, other])
    assert _letters(out) == []


def test_a_batch_handled_again_is_no_repeat_of_itself(stack: Stack) -> None:
    """A batch retried after a Redis failure (or read again after a rebalance) has the same
    records at the same offsets: nothing of it is a duplicate."""
    (out,), _ = _run(stack, [listing("ABC1234"), crossing("ABC1234")], again=True)
    assert _letters(out) == []
    assert len(_leads(out)) == 1
