"""Subscriptions on their compacted topic (``control.subscriptions``), the system of record:
one record per agency, keyed by its code, a ``Subscription`` or a tombstone (removed).

``put_subscription`` / ``remove_subscription`` / ``read_subscriptions`` are the admin's
(kafka-python, ``fusion subscriptions``). ``SubscriptionsView`` is the dispatcher's
(aiokafka): before each batch it asks the topic's end offset and reads up to it, so a lead
is never routed with a subscription set older than the topic was when the batch began, and
a worker that starts (or whose Redis was wiped) routes nothing until it has read it all.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.structs import TopicPartition as AIOTopicPartition
from kafka import TopicPartition
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer, send_one
from adapters.kafka.ranges import read_range
from fusion.contract import Agency
from fusion.errors import DependencyUnavailableError
from leads.subscriptions import Subscription

log = logging.getLogger(__name__)
SEND_TIMEOUT = 30.0
READ_TIMEOUT = 30.0


def _send(access: KafkaAccess, topic: str, agency: Agency, value: bytes | None) -> None:
    send_one(access, topic, agency.value.encode(), value, client_id="fusion-subscriptions",
             timeout=SEND_TIMEOUT)


def put_subscription(access: KafkaAccess, topic: str, subscription: Subscription) -> None:
    _send(access, topic, subscription.agency, subscription.model_dump_json().encode())


def remove_subscription(access: KafkaAccess, topic: str, agency: Agency) -> None:
    _send(access, topic, agency, None)


def fold(records: Iterable[tuple[bytes | None, bytes | None]]) -> dict[Agency, Subscription]:
    """The subscriptions a sequence of (key, value) records leaves: the last record per
    agency wins, a tombstone removes. An unreadable record removes that agency too: routing
    to an agency on a subscription nobody can read would be worse than not routing."""
    current: dict[Agency, Subscription] = {}
    for key, value in records:
        try:
            agency = Agency((key or b"").decode())
        except ValueError:
            log.error("ignoring a subscription record keyed %r: not an agency code", key)
            continue
        if value is None:
            current.pop(agency, None)
            continue
        try:
            sub = Subscription.model_validate_json(value)
        except ValidationError as exc:
            log.error("the subscription record of %s is unreadable (%d problems): treated as "
                      "removed", agency.value, exc.error_count())
            current.pop(agency, None)
            continue
        if sub.agency is agency:
            current[agency] = sub
        else:
            log.error("the subscription record keyed %s is %s's: treated as removed",
                      agency.value, sub.agency.value)
            current.pop(agency, None)
    return current


def read_subscriptions(access: KafkaAccess, topic: str) -> tuple[Subscription, ...]:
    consumer = open_consumer(access, client_id="fusion-subscriptions")
    try:
        tp = TopicPartition(topic, 0)
        if not consumer.partitions_for_topic(topic):
            return ()
        start = dict(consumer.beginning_offsets([tp]))
        records = [(r.key, r.value) for r in read_range(consumer, start)]
    finally:
        consumer.close()
    return _sorted(fold(records).values())


def _sorted(subs: Iterable[Subscription]) -> tuple[Subscription, ...]:
    return tuple(sorted(subs, key=lambda s: s.agency.value))


class SubscriptionsView:
    """The dispatcher's always-current copy of the subscriptions topic."""

    def __init__(self, access: KafkaAccess, topic: str) -> None:
        self._access = access
        self._tp = AIOTopicPartition(topic, 0)
        self._consumer: Any = None
        self._records: list[tuple[bytes | None, bytes | None]] = []
        self._current: tuple[Subscription, ...] = ()
        self._dirty = False

    async def _started(self) -> Any:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(**self._access.kafka_python(), group_id=None,
                                        enable_auto_commit=False,
                                        client_id="fusion-dispatch-subscriptions")
            try:
                await consumer.start()
                consumer.assign([self._tp])
                await consumer.seek_to_beginning(self._tp)
            except AIOKafkaError as exc:
                await consumer.stop()
                raise DependencyUnavailableError(
                    "Kafka", self._access.bootstrap,
                    f"cannot read {self._tp.topic} as {self._access.username}: {exc}") from exc
            self._consumer = consumer
        return self._consumer

    async def current(self) -> tuple[Subscription, ...]:
        """Every subscription, read up to the topic's end offset as it is now."""
        consumer = await self._started()
        try:
            end = (await consumer.end_offsets([self._tp]))[self._tp]
            while await consumer.position(self._tp) < end:
                batches = await consumer.getmany(self._tp, timeout_ms=int(READ_TIMEOUT * 1000))
                if not batches:
                    raise DependencyUnavailableError(
                        "Kafka", self._access.bootstrap,
                        f"{self._tp.topic} could not be read to offset {end} in "
                        f"{READ_TIMEOUT:g}s: leads wait rather than go by an old set")
                for records in batches.values():
                    self._records.extend((r.key, r.value) for r in records)
                    self._dirty = True
        except AIOKafkaError as exc:
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap,
                f"reading {self._tp.topic}: {exc}; leads wait") from exc
        if self._dirty:
            folded = fold(self._records)
            self._records = [(a.value.encode(), s.model_dump_json().encode())
                             for a, s in folded.items()]  # compact what is kept in memory
            self._current = _sorted(folded.values())
            self._dirty = False
        return self._current

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
