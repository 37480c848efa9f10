"""The Kafka side of ``fusion evaluate``: read every ``leads.<agency>`` topic from recorded
offsets, list the event keys that reached (or were refused as late by) the correlate stage, and
find an event time the running worker has not passed yet."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError
from pydantic import ValidationError

from fusion.contract import CORRELATION_TOPIC, Agency, Lead, lead_topic
from fusion.errors import DependencyUnavailableError
from producers.scenario.evaluation import Delivery

LOOKBACK = 20_000  # records of internal.events searched for the newest event time
READ_TIMEOUT = 120.0  # seconds to read a range that the broker says is there


def open_consumer(bootstrap: str) -> Any:
    """A consumer without a group: it never moves anybody's committed offsets."""
    try:
        return KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False,
                             group_id=None, client_id="fusion-evaluate")
    except KafkaError as exc:
        raise DependencyUnavailableError("Kafka", bootstrap, "start it with 'make up'") from exc


def end_offsets(consumer: Any, topics: list[str]) -> dict[Any, int]:
    partitions = [TopicPartition(t, p) for t in topics
                  for p in sorted(consumer.partitions_for_topic(t) or ())]
    return dict(consumer.end_offsets(partitions))


class LeadCollector:
    """Reads ``leads.<agency>`` from the given offsets; ``poll`` returns how many arrived."""

    def __init__(self, consumer: Any, start: dict[Any, int]) -> None:
        self._consumer = consumer
        consumer.assign(list(start))
        for partition, offset in start.items():
            consumer.seek(partition, offset)
        self._agency = {lead_topic(a): a for a in Agency}
        self.deliveries: list[Delivery] = []
        self.undecodable = 0

    def poll(self, timeout: float) -> int:
        batches = self._consumer.poll(timeout_ms=int(timeout * 1000))
        received_at = dt.datetime.now(dt.UTC)
        before = len(self.deliveries)
        for partition, records in batches.items():
            for record in records:
                try:
                    lead = Lead.model_validate_json(record.value)
                except ValidationError:
                    self.undecodable += 1
                    continue
                self.deliveries.append(
                    Delivery(lead, self._agency[partition.topic], received_at))
        return len(self.deliveries) - before


def read_range(consumer: Any, start: dict[Any, int]) -> Iterator[Any]:
    """Every record from ``start`` to the end offsets at the time of the call."""
    end = consumer.end_offsets(list(start))
    todo = {tp: offset for tp, offset in start.items() if offset < end[tp]}
    if not todo:
        return
    consumer.assign(list(todo))
    consumer.resume(*todo)
    for partition, offset in todo.items():
        consumer.seek(partition, offset)
    deadline = time.monotonic() + READ_TIMEOUT
    while todo:
        if time.monotonic() > deadline:
            raise DependencyUnavailableError(
                "Kafka", ", ".join(sorted({tp.topic for tp in todo})),
                f"could not read to the end offsets within {READ_TIMEOUT:g}s")
        for partition, records in consumer.poll(timeout_ms=1000).items():
            yield from (r for r in records if r.offset < end[partition])
        for partition in [tp for tp in todo if consumer.position(tp) >= end[tp]]:
            del todo[partition]
            consumer.pause(partition)


def event_keys(consumer: Any, start: dict[Any, int]) -> frozenset[str]:
    """The record keys (``AGENCY/event_id``) from ``start`` to now."""
    return frozenset(r.key.decode() for r in read_range(consumer, start) if r.key)


def clear_start(consumer: Any, now: dt.datetime) -> dt.datetime:
    """An event time past any watermark the worker can hold: the newest event time among the
    last records of internal.events, plus the wall time since it was written (idle time moves
    the watermark on), rounded up to the next hour; at least ``now`` rounded down."""
    floor = now.replace(minute=0, second=0, microsecond=0)
    partition = TopicPartition(CORRELATION_TOPIC, 0)
    begin = consumer.beginning_offsets([partition])[partition]
    end = consumer.end_offsets([partition])[partition]
    newest: dt.datetime | None = None
    written = now
    for record in read_range(consumer, {partition: max(begin, end - LOOKBACK)}):
        occurred = _occurred_at(record.value)
        if occurred is not None and (newest is None or occurred > newest):
            newest = occurred
            written = dt.datetime.fromtimestamp(record.timestamp / 1000, dt.UTC)
    if newest is None:
        return floor
    bound = newest + (now - written) + dt.timedelta(hours=1)
    return max(floor, bound.replace(minute=0, second=0, microsecond=0))


def _occurred_at(value: bytes | None) -> dt.datetime | None:
    """An event's ``occurred_at``; None for the worker's tick records."""
    try:
        doc = json.loads(value or b"null")
        return dt.datetime.fromisoformat(doc["occurred_at"]).astimezone(dt.UTC)
    except (ValueError, TypeError, KeyError):
        return None
