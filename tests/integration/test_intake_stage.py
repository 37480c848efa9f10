"""The intake stage against the real Redis server (no broker): batches, event-time
matching, watchlist removal, dead letters and metrics, without Faust in the way."""

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
    DEAD_LETTER_TOPIC,
    Agency,
    DeadLetter,
    EventEnvelope,
    Feed,
    Lead,
    feed_topic,
)
from stream_apps.dead_letters import RecordOrigin
from stream_apps.intake import IntakeStage
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import InboundRecord, OutboundRecord
from tests.factories import T0, crossing, listing
from tests.integration.conftest import Stack

pytestmark = pytest.mark.integration


def _record(event: EventEnvelope | bytes, offset: int) -> InboundRecord:
    if isinstance(event, EventEnvelope):
        topic, value = feed_topic(event.agency, event.feed), event.model_dump_json().encode()
    else:
        topic, value = feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS), event
    return InboundRecord(RecordOrigin(topic, 0, offset, None, b"k"), value)


def _run(stack: Stack, *batches: Sequence[EventEnvelope | bytes]) -> tuple[
        list[list[OutboundRecord]], CollectorRegistry]:
    registry = CollectorRegistry()

    async def go() -> list[list[OutboundRecord]]:
        client = await connect_redis(stack.settings)
        prefix = f"stage-{uuid.uuid4().hex[:8]}:"
        stage = IntakeStage(watchlist=WatchlistStore(client, prefix=prefix),
                            metrics=WorkerMetrics(registry), clock=lambda: T0)
        try:
            return [await stage.handle([_record(e, i) for i, e in enumerate(batch)])
                    for batch in batches]
        finally:
            async for key in client.scan_iter(f"{prefix}*"):
                await client.delete(key)
            await client.aclose()

    return asyncio.run(go()), registry


def _leads(out: list[OutboundRecord]) -> list[Lead]:
    return [Lead.model_validate_json(r.value) for r in out if r.topic == CANDIDATE_LEADS_TOPIC]


def test_order_within_a_batch_does_not_matter(stack: Stack) -> None:
    entry, event = listing("ABC1234"), crossing("ABC-1234")
    (forward,), _ = _run(stack, [entry, event])
    (backward,), _ = _run(stack, [event, entry])
    assert [lead.lead_id for lead in _leads(forward)] == [lead.lead_id for lead in _leads(backward)]
    assert len(_leads(forward)) == 1


def test_removed_and_expired_entries_do_not_match(stack: Stack) -> None:
    removal = listing("ABC1234", action="remove", at=T0 - dt.timedelta(minutes=5))
    expired = listing("XYZ9876", entry_id="E2", expires_at=T0 - dt.timedelta(minutes=1))
    batches, registry = _run(stack, [listing("ABC1234"), expired], [removal],
                             [crossing("ABC1234"), crossing("XYZ9876", event_id="x-2")])
    assert _leads(batches[2]) == []
    assert registry.get_sample_value("fusion_watchlist_changes_total", {"action": "add"}) == 2
    assert registry.get_sample_value("fusion_watchlist_changes_total", {"action": "remove"}) == 1
    assert registry.get_sample_value("fusion_events_valid_total", {"feed": "poe-crossings"}) == 2


def test_bad_records_become_dead_letters_beside_good_ones(stack: Stack) -> None:
    (out,), registry = _run(stack, [b"{oops", listing("ABC1234"), crossing("ABC1234")])
    letters = [DeadLetter.model_validate_json(r.value) for r in out if r.topic == DEAD_LETTER_TOPIC]
    assert [(d.reason.value, d.offset, d.original_text) for d in letters] == [
        ("malformed-json", 0, "{oops")]
    assert len(_leads(out)) == 1
    assert registry.get_sample_value("fusion_dead_letters_total",
                                     {"reason": "malformed-json"}) == 1
    assert registry.get_sample_value("fusion_leads_generated_total",
                                     {"category": "watchlist"}) == 1
