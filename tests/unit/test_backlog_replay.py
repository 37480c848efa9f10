"""Correct under backlog: the corridor scenario through the intake and correlate stages (pure,
no Kafka) gives the same leads when it arrives live (in publish order, small batches, the
clock at the events' time) as when a worker replays it as a backlog (big batches, one feed
partition after another in an order the seed picks, every partition not drained yet
reported behind, the clock hours past the last event), and no share comes out late in either.
What a real replay adds (Faust, rebalances) is measured by ``bench.backlog_drain``."""

from __future__ import annotations

import asyncio
import datetime as dt
import random
import zlib
from collections import deque
from collections.abc import Sequence
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from prometheus_client import CollectorRegistry

from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_TOPIC,
    LATE_EVENTS_TOPIC,
    EventEnvelope,
    Lead,
    feed_topic,
)
from fusion.contract.event_time import EventTimeLimits
from producers.scenario import CorridorScenario
from rules.engine import InMemoryStore
from rules.loader import load_catalogue
from rules.watchlist import WatchlistEntry
from stream_apps.correlate import CorrelationStage
from stream_apps.dead_letters import RecordOrigin
from stream_apps.decoded_events import DecodedEvents
from stream_apps.intake import IntakeLimits, IntakeStage
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import InboundRecord, OutboundRecord
from stream_apps.rule_runtime import RuleRuntime
from stream_apps.share_packs import PACK_KEY

CATALOGUE = Path(__file__).resolve().parents[2] / "rules" / "catalogue"
RULES = load_catalogue(CATALOGUE)
START = dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC)
FEED_PARTITIONS = 3
LATENESS = dt.timedelta(minutes=10)
IDLE_AFTER = 5.0

Batch = list[InboundRecord]


def _records(events: Sequence[EventEnvelope]) -> list[InboundRecord]:
    """The events as feed records: each feed topic's partition by the event's key."""
    offsets: dict[tuple[str, int], int] = {}
    out = []
    for event in events:
        topic = feed_topic(event.agency, event.feed)
        partition = zlib.crc32(event.key.encode()) % FEED_PARTITIONS
        offset = offsets.get((topic, partition), 0)
        offsets[topic, partition] = offset + 1
        out.append(InboundRecord(RecordOrigin(topic, partition, offset, None, b"k"),
                                 event.model_dump_json().encode()))
    return out


def _source(record: InboundRecord) -> str:
    return f"{record.origin.topic}:{record.origin.partition}"


async def _run(batches: Sequence[tuple[Batch, frozenset[str], dt.datetime]]
               ) -> tuple[dict[str, tuple[int, frozenset[str]]], int]:
    """Each (batch, sources behind, wall clock) through both stages; then wall time runs on
    idle for two days, so every window and absence closes. Returns each lead id's last
    revision and its rule ids, and the late shares."""
    metrics = WorkerMetrics(CollectorRegistry())
    decoded = DecodedEvents()
    wall = [batches[0][2]]
    stores: dict[int, InMemoryStore] = {}

    async def nothing_recorded() -> list[WatchlistEntry]:
        return []

    intake = IntakeStage(metrics=metrics, clock=lambda: wall[0], decoded=decoded,
                         limits=IntakeLimits(event_time=EventTimeLimits(
                             max_event_age=dt.timedelta(days=30))))
    correlate = CorrelationStage(
        runtime=RuleRuntime(RULES, "test", LATENESS), seed=nothing_recorded, metrics=metrics,
        clock=lambda: wall[0], store_for=lambda p: stores.setdefault(p, InMemoryStore()),
        partitions=4, idle_after=IDLE_AFTER,
        monotonic=lambda: wall[0].timestamp(), decoded=decoded)
    leads: dict[str, tuple[int, frozenset[str]]] = {}
    late = 0
    offset = 0

    def take(out: list[OutboundRecord]) -> None:
        nonlocal late
        for record in out:
            if record.topic == LATE_EVENTS_TOPIC:
                late += 1
            elif record.topic == CANDIDATE_LEADS_TOPIC:
                lead = Lead.model_validate_json(record.value or b"")
                if lead.revision >= leads.get(lead.lead_id, (0, frozenset()))[0]:
                    leads[lead.lead_id] = (lead.revision,
                                           frozenset(h.rule_id for h in lead.rule_hits))

    def as_inbound(out: list[OutboundRecord]) -> list[InboundRecord]:
        nonlocal offset
        packs = []
        for record in out:
            if record.topic == CORRELATION_TOPIC:
                packs.append(InboundRecord(RecordOrigin(CORRELATION_TOPIC, record.partition or 0,
                                                        offset, None, PACK_KEY), record.value))
                offset += 1
        return packs

    for batch, behind, at in batches:
        wall[0] = at
        out = await intake.handle(batch, behind)
        take(await correlate.handle(as_inbound(out)))
    ticks = [InboundRecord(RecordOrigin(CORRELATION_TOPIC, p, 0, None, b"tick"), b"{}")
             for p in range(4)]
    for _ in range(2 * 24 * 6):  # two days in 10-minute idle steps
        wall[0] += dt.timedelta(minutes=10)
        take(await correlate.handle(ticks))
    return leads, late


def _live(records: list[InboundRecord], events: Sequence[EventEnvelope],
          rnd: random.Random) -> list[tuple[Batch, frozenset[str], dt.datetime]]:
    """Publish order, batches of 1 to 40, nothing behind, the clock at the batch's newest
    event (published as it happens)."""
    batches = []
    i = 0
    while i < len(records):
        n = rnd.randint(1, 40)
        batch = records[i:i + n]
        at = max(e.occurred_at for e in events[i:i + n]) + dt.timedelta(seconds=1)
        batches.append((batch, frozenset(), at))
        i += n
    return batches


def _backlog(records: list[InboundRecord], end: dt.datetime,
             rnd: random.Random) -> list[tuple[Batch, frozenset[str], dt.datetime]]:
    """A worker reading a backlog: batches of up to 200 from a few partitions at a time, the
    partitions in an order the seed picks, every partition with records left reported
    behind; the clock two hours past the last event, a second per batch (so the lanes'
    warm-up is over after a few batches and event time moves during the replay)."""
    queues: dict[str, deque[InboundRecord]] = {}
    for record in records:
        queues.setdefault(_source(record), deque()).append(record)
    order = sorted(queues)
    rnd.shuffle(order)
    batches = []
    at = end + dt.timedelta(hours=2)
    while any(queues.values()):
        batch: Batch = []
        for source in order:
            queue = queues[source]
            take = min(len(queue), rnd.randint(20, 120), 200 - len(batch))
            batch += [queue.popleft() for _ in range(take)]
            if len(batch) >= 200:
                break
        behind = frozenset(s for s, q in queues.items() if q)
        batches.append((batch, behind, at))
        at += dt.timedelta(seconds=1)
        rnd.shuffle(order)  # the next fetch starts elsewhere
    return batches


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_a_backlog_replay_finds_what_live_arrival_finds(seed: int) -> None:
    events = list(CorridorScenario(seed, start=START).events(4000))
    records = _records(events)
    rnd = random.Random(seed)
    live, live_late = asyncio.run(_run(_live(records, events, rnd)))
    replay, replay_late = asyncio.run(_run(_backlog(records, max(e.occurred_at for e in events),
                                                    rnd)))
    assert live_late == 0
    assert replay_late == 0
    assert live  # the scenario plants patterns: leads are expected
    only_live = {k: v for k, v in live.items() if replay.get(k) != v}
    only_replay = {k: v for k, v in replay.items() if live.get(k) != v}
    assert (only_live, only_replay) == ({}, {})
