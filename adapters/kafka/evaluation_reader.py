"""The Kafka side of ``fusion evaluate``: read every ``leads.<agency>`` topic from recorded
offsets, list the event keys that reached (or were refused as late by) the correlate stage, and
find an event time the running worker has not passed yet."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from kafka.errors import KafkaError
from pydantic import ValidationError

from adapters.kafka import clients
from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_admin
from adapters.kafka.ranges import partitions_of, read_range
from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_TOPIC,
    Agency,
    Lead,
    lead_topic,
    parse_feed_topic,
)
from fusion.contract.principals import intake_group
from leads.deliveries import Delivery

LOOKBACK = 20_000  # records of internal.events searched for the newest event time


def open_consumer(access: KafkaAccess) -> Any:
    """A consumer without a group: it never moves anybody's committed offsets."""
    return clients.open_consumer(access, client_id="fusion-evaluate",
                                 isolation_level="read_committed")


def end_offsets(consumer: Any, topics: list[str]) -> dict[Any, int]:
    return dict(consumer.end_offsets(partitions_of(consumer, topics)))


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


def event_keys(consumer: Any, start: dict[Any, int]) -> frozenset[str]:
    """The events (``AGENCY/event_id``, read from the values) from ``start`` to now."""
    refs = (_event_ref(r.value) for r in read_range(consumer, start))
    return frozenset(ref[0] for ref in refs if ref is not None)


def clear_start(consumer: Any, now: dt.datetime) -> dt.datetime:
    """An event time past any watermark the worker can hold: the newest event time among the
    last records of internal.events, plus the wall time since it was written (idle time moves
    the watermark on), rounded up to the next hour; at least ``now`` rounded down."""
    floor = now.replace(minute=0, second=0, microsecond=0)
    partitions = partitions_of(consumer, [CORRELATION_TOPIC])
    begin = consumer.beginning_offsets(partitions)
    end = consumer.end_offsets(partitions)
    newest: dt.datetime | None = None
    written = now
    for record in read_range(consumer, {tp: max(begin[tp], end[tp] - LOOKBACK)
                                        for tp in partitions}):
        ref = _event_ref(record.value)
        if ref is not None and (newest is None or ref[1] > newest):
            newest = ref[1]
            written = dt.datetime.fromtimestamp(record.timestamp / 1000, dt.UTC)
    if newest is None:
        return floor
    bound = newest + (now - written) + dt.timedelta(hours=1)
    return max(floor, bound.replace(minute=0, second=0, microsecond=0))


def _event_ref(value: bytes | None) -> tuple[str, dt.datetime] | None:
    """An event's key and ``occurred_at``; None for the worker's tick and progress records."""
    try:
        doc = json.loads(value or b"null")
        occurred = dt.datetime.fromisoformat(doc["occurred_at"]).astimezone(dt.UTC)
        return f"{doc['agency']}/{doc['event_id']}", occurred
    except (ValueError, TypeError, KeyError):
        return None


class WorkerBacklog:
    """How many records the worker's consumer groups (its intake's on the feeds, its own on
    internal.events and internal.leads) have yet to commit (None when they have committed
    nothing)."""

    def __init__(self, access: KafkaAccess, group: str) -> None:
        self._admin = open_admin(access, client_id="fusion-evaluate-lag")
        self._groups = [group, intake_group(group)]

    def records(self, consumer: Any) -> int | None:
        offsets: dict[Any, Any] = {}
        try:
            for group in self._groups:
                offsets.update(self._admin.list_group_offsets({group: None}).get(group, {}))
        except KafkaError:  # an unknown group, a coordinator moving: no answer this time
            return None
        committed = {tp: meta.offset for tp, meta in offsets.items()
                     if _worker_input(tp.topic) and meta.offset >= 0}
        if not committed:
            return None
        try:
            ends = consumer.end_offsets(list(committed))
        except (KafkaError, KeyError):  # kafka-python can drop a partition from a busy
            return None                 # broker's answer (KeyError): ask again next time
        behind: int = sum(max(0, ends[tp] - offset) for tp, offset in committed.items())
        return behind

    def close(self) -> None:
        self._admin.close()


def _worker_input(topic: str) -> bool:
    return topic in (CORRELATION_TOPIC, CANDIDATE_LEADS_TOPIC) or \
        parse_feed_topic(topic) is not None
