"""The Kafka reader of ``fusion rules backtest``: the events retained on feed topics, read
once without a consumer group (nothing is committed), up to the end offsets of the start,
decoded with ``decode_event`` by the backtest's ``EventCollector``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer
from adapters.kafka.ranges import partitions_of, read_range, start_offsets
from fusion.contract import EventEnvelope
from leads.backtest import EventCollector

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class FeedRead:
    """What ``read_feed_topics`` got: the valid events, every record read, the invalid ones
    by dead-letter reason, and whether it stopped at ``max_events`` before the end."""

    events: list[EventEnvelope]
    records: int
    invalid: dict[str, int]
    truncated: bool
    topics: list[str]


def read_feed_topics(access: KafkaAccess, topics: Sequence[str], *, since: dt.datetime | None,
                     max_events: int, progress: Progress | None = None) -> FeedRead:
    """Every record of ``topics`` written at or after ``since`` (all retained if None), up to
    the end offsets of the start. ``progress(read, total)`` is called after each fetch."""
    consumer = open_consumer(access, client_id="fusion-rules-backtest")
    collector = EventCollector(max_events=max_events)
    read = 0
    try:
        present = [t for t in topics if consumer.partitions_for_topic(t)]
        start = start_offsets(consumer, partitions_of(consumer, present), since)
        end = dict(consumer.end_offsets(list(start))) if start else {}
        for record in read_range(consumer, start, end=end, progress=progress,
                                 stop=lambda: collector.full):
            collector.add(record.value, topic=record.topic)
            read += 1
    finally:
        consumer.close()
    in_range = sum(max(0, end[tp] - offset) for tp, offset in start.items())
    return FeedRead(events=collector.events, records=collector.records,
                    invalid=dict(collector.invalid), truncated=read < in_range,
                    topics=present)
