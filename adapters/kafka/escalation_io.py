"""The escalation service's side of Kafka (aiokafka).

``TopicsReader``: a group-less, ``read_committed`` reader of whole topics, each from the
log's start or from the first record at or after a time; ``caught_up`` reads to the end
offsets as they are now (the service folds everything before it fires anything), ``poll``
returns what arrived since. ``AckInbox``: partners' acknowledgement topics (``acks.<slug>``)
read with a consumer group whose offsets are committed inside the service's transaction,
so a forwarded acknowledgement is forwarded once. ``Transactions``: the service's one
transactional producer (``transactional_id`` fences a second instance): a notice on its
channel, its entry on the service's audit chain, forwarded acknowledgements and the acks'
offsets commit together or not at all.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.structs import TopicPartition

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer
from fusion.errors import DependencyUnavailableError

log = logging.getLogger(__name__)
READ_TIMEOUT_MS = 30_000


@dataclass(frozen=True, slots=True)
class Received:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp_ms: int


@dataclass(frozen=True, slots=True)
class Outgoing:
    topic: str
    key: bytes
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int | None = None


def _partitions(access: KafkaAccess, topics: Sequence[str]) -> list[TopicPartition]:
    """Every partition of ``topics`` (kafka-python: aiokafka knows only assigned ones)."""
    consumer = open_consumer(access, client_id="fusion-escalation-metadata")
    try:
        out: list[TopicPartition] = []
        for topic in topics:
            found = consumer.partitions_for_topic(topic)
            if not found:
                raise DependencyUnavailableError(
                    "Kafka", access.bootstrap, f"topic {topic} does not exist or is not "
                    f"readable by {access.username}: run 'fusion topics create' and "
                    "'fusion principals sync'")
            out.extend(TopicPartition(topic, p) for p in sorted(found))
        return out
    finally:
        consumer.close()


def _received(record: Any) -> Received:
    return Received(record.topic, record.partition, record.offset, record.key, record.value,
                    record.timestamp)


class TopicsReader:
    def __init__(self, access: KafkaAccess, *, starts: Mapping[str, dt.datetime | None],
                 client_id: str) -> None:
        """``starts``: topic -> read from the first record at or after this time (None:
        from the log's start)."""
        self._access, self._starts, self._client_id = access, dict(starts), client_id
        self._consumer: Any = None
        self._tps: list[TopicPartition] = []

    async def start(self) -> None:
        self._tps = await asyncio.to_thread(_partitions, self._access, list(self._starts))
        consumer = AIOKafkaConsumer(**self._access.kafka_python(), group_id=None,
                                    enable_auto_commit=False, isolation_level="read_committed",
                                    client_id=self._client_id)
        try:
            await consumer.start()
            consumer.assign(self._tps)
            for tp in self._tps:
                since = self._starts[tp.topic]
                if since is None:
                    await consumer.seek_to_beginning(tp)
                    continue
                found = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000)})
                if found.get(tp) is None:
                    await consumer.seek_to_end(tp)
                else:
                    consumer.seek(tp, found[tp].offset)
        except AIOKafkaError as exc:
            await consumer.stop()
            raise DependencyUnavailableError("Kafka", self._access.bootstrap,
                                             f"cannot read {sorted(self._starts)}: {exc}"
                                             ) from exc
        self._consumer = consumer

    async def caught_up(self) -> list[Received]:
        """Every record up to the end offsets as they are now."""
        consumer = self._consumer
        end = await consumer.end_offsets(self._tps)
        out: list[Received] = []
        while await self._behind(end):
            batches = await consumer.getmany(timeout_ms=READ_TIMEOUT_MS)
            if not batches:
                raise DependencyUnavailableError(
                    "Kafka", self._access.bootstrap,
                    f"{sorted(self._starts)} could not be read to their end offsets")
            out.extend(_received(r) for records in batches.values() for r in records)
        return out

    async def _behind(self, end: Mapping[TopicPartition, int]) -> bool:
        for tp in self._tps:
            if await self._consumer.position(tp) < end[tp]:
                return True
        return False

    async def poll(self, timeout_ms: int) -> list[Received]:
        batches = await self._consumer.getmany(timeout_ms=max(0, timeout_ms))
        return [_received(r) for records in batches.values() for r in records]

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None


class AckInbox:
    """Partners' acknowledgement topics, read by the consumer group ``group`` from its
    committed offsets (the log's start for a new group)."""

    def __init__(self, access: KafkaAccess, *, topics: Sequence[str], group: str) -> None:
        self._access, self._topics, self.group = access, list(topics), group
        self._consumer: Any = None

    async def start(self) -> None:
        tps = await asyncio.to_thread(_partitions, self._access, self._topics)
        consumer = AIOKafkaConsumer(**self._access.kafka_python(), group_id=self.group,
                                    enable_auto_commit=False, auto_offset_reset="earliest",
                                    isolation_level="read_committed",
                                    client_id="fusion-escalation-acks")
        try:
            await consumer.start()
            consumer.assign(tps)
        except AIOKafkaError as exc:
            await consumer.stop()
            raise DependencyUnavailableError("Kafka", self._access.bootstrap,
                                             f"cannot read the acks topics: {exc}") from exc
        self._consumer = consumer

    async def poll(self, timeout_ms: int) -> list[Received]:
        batches = await self._consumer.getmany(timeout_ms=max(0, timeout_ms), max_records=500)
        return [_received(r) for records in batches.values() for r in records]

    async def rewind(self) -> None:
        """Back to the committed offsets (after a transaction that did not commit)."""
        for tp in self._consumer.assignment():
            committed = await self._consumer.committed(tp)
            if committed is None:
                await self._consumer.seek_to_beginning(tp)
            else:
                self._consumer.seek(tp, committed)

    async def stop(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None


class Transactions:
    def __init__(self, access: KafkaAccess, *, transactional_id: str) -> None:
        self._access, self._id = access, transactional_id
        self._producer: Any = None

    async def start(self) -> None:
        producer = AIOKafkaProducer(**self._access.kafka_python(), acks="all",
                                    enable_idempotence=True, transactional_id=self._id,
                                    client_id="fusion-escalation")
        try:
            await producer.start()
        except AIOKafkaError as exc:
            await producer.stop()
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap,
                f"cannot open the escalation service's transactions ({self._id}): {exc}"
            ) from exc
        self._producer = producer

    async def commit(self, records: Sequence[Outgoing], *,
                     offsets: Mapping[tuple[str, int], int] | None = None,
                     group: str | None = None) -> None:
        """Send ``records`` (and commit ``offsets`` of ``group``) atomically. On failure
        nothing is visible; the producer is made again for the next try."""
        producer = self._producer
        try:
            async with producer.transaction():
                for r in records:
                    await producer.send(r.topic, value=r.value, key=r.key,
                                        headers=list(r.headers), partition=r.partition)
                if offsets and group:
                    await producer.send_offsets_to_transaction(
                        {TopicPartition(t, p): o for (t, p), o in offsets.items()}, group)
        except AIOKafkaError as exc:
            await self.stop()
            await self.start()
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap,
                f"an escalation transaction failed ({exc!r}); nothing of it is visible") from exc

    async def stop(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
