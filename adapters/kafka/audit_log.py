"""The dispatcher's side of Kafka: every decision about a batch of one internal.leads
partition, the lead copies it sends and the input offsets it consumed, in ONE Kafka
transaction.

Why a transaction: writing the copies first and the audit after would, after a crash
between the two, deliver a lead with no audit entry and then, on the replay, deliver it
again; the audit first would record a "sent" that never reached the agency. In one
transaction (aiokafka, ``transactional_id = <app_id>-dispatch-<partition>``) the copies on
``leads.<agency>``, their audit entries on ``audit.disseminations`` and the consumed offset
of ``internal.leads`` commit together or not at all; readers with ``isolation.level =
read_committed`` (librdkafka's default; partners must keep it) see all or nothing. The
transactional id per input partition fences a zombie: a worker that took the partition over
aborts what the old owner left open before it reads the chain's head.

Per partition the writer keeps, rebuilt from the audit partition when it is assigned: the
chain's head (seq and mac of the last committed entry) and which lead revisions were decided
within ``dedup_horizon`` (a replayed revision is not sent again).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.structs import TopicPartition
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from fusion.contract.audit import AuditEntry
from fusion.errors import DependencyUnavailableError
from leads.audit_chain import ChainHead

log = logging.getLogger(__name__)
HEAD_WINDOW = 64  # records back from the end where the last entry is (markers between)
READ_TIMEOUT_MS = 30_000


@dataclass(frozen=True, slots=True)
class Copy:
    """One record to send in the transaction (``value`` None: a tombstone; ``partition``
    None: the producer's partitioner)."""

    topic: str
    key: bytes
    value: bytes | None
    partition: int | None = None


@dataclass
class PartitionLog:
    partition: int
    producer: Any
    head: ChainHead
    decided: set[tuple[str, int]] = field(default_factory=set)


class AuditLog:
    def __init__(self, access: KafkaAccess, *, topic: str, input_topic: str, group: str,
                 dedup_horizon: dt.timedelta) -> None:
        self._access = access
        self._topic = topic
        self._input_topic = input_topic
        self._group = group
        self._horizon = dedup_horizon
        self._partitions: dict[int, PartitionLog] = {}

    async def log_for(self, partition: int, *, now: dt.datetime) -> PartitionLog:
        """The partition's writer, made on first use: its transactional producer started
        (fencing any earlier owner), then the chain head and recent decisions read back."""
        if partition not in self._partitions:
            producer = AIOKafkaProducer(
                **self._access.kafka_python(), acks="all", enable_idempotence=True,
                transactional_id=f"{self._group}-dispatch-{partition}",
                client_id=f"fusion-dispatch-{partition}")
            try:
                await producer.start()
                head, decided = await self._recover(partition, now=now)
            except AIOKafkaError as exc:
                await producer.stop()
                raise DependencyUnavailableError(
                    "Kafka", self._access.bootstrap,
                    f"cannot open the dispatch transaction of partition {partition}: {exc}"
                ) from exc
            self._partitions[partition] = PartitionLog(partition, producer, head, decided)
            log.info("dispatch partition %d: audit chain at seq %d, %d decisions within %s",
                     partition, head.next_seq, len(decided), self._horizon)
        return self._partitions[partition]

    async def commit(self, part: PartitionLog, *, copies: Sequence[Copy],
                     entries: Sequence[AuditEntry], next_offset: int | None) -> None:
        """Send ``copies`` and ``entries`` and commit ``next_offset`` of the input partition
        (None: no input consumed, as for the grouping timer's sends), atomically. On failure
        the transaction is aborted, nothing is visible, and the partition's writer is
        dropped (made again, from the audit, on the next try)."""
        producer = part.producer
        try:
            async with producer.transaction():
                for copy in copies:
                    await producer.send(copy.topic, value=copy.value, key=copy.key,
                                        partition=copy.partition)
                for entry in entries:
                    await producer.send(self._topic, value=entry.model_dump_json().encode(),
                                        key=entry.lead_id.encode(), partition=part.partition)
                if next_offset is not None:
                    await producer.send_offsets_to_transaction(
                        {TopicPartition(self._input_topic, part.partition): next_offset},
                        self._group)
        except AIOKafkaError as exc:
            await self.forget([part.partition])
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap,
                f"the dispatch transaction of partition {part.partition} failed ({exc!r}); "
                "nothing of it is visible, the batch is tried again") from exc
        if entries:
            last = entries[-1]
            part.head = ChainHead(last.seq + 1, last.mac)
        part.decided.update((e.lead_id, e.revision) for e in entries)

    async def forget(self, partitions: Sequence[int]) -> None:
        for partition in partitions:
            part = self._partitions.pop(partition, None)
            if part is not None:
                await part.producer.stop()

    async def close(self) -> None:
        await self.forget(list(self._partitions))

    async def _recover(self, partition: int, *, now: dt.datetime
                       ) -> tuple[ChainHead, set[tuple[str, int]]]:
        consumer = AIOKafkaConsumer(**self._access.kafka_python(), group_id=None,
                                    enable_auto_commit=False, isolation_level="read_committed",
                                    client_id=f"fusion-dispatch-audit-{partition}")
        await consumer.start()
        try:
            tp = TopicPartition(self._topic, partition)
            consumer.assign([tp])
            end = (await consumer.end_offsets([tp]))[tp]  # the last stable offset
            since = await consumer.offsets_for_times(
                {tp: int((now - self._horizon).timestamp() * 1000)})
            start = since[tp].offset if since.get(tp) is not None else end
            start = max(0, min(start, end - HEAD_WINDOW))
            consumer.seek(tp, start)
            head, decided = ChainHead(), set()
            while await consumer.position(tp) < end:
                batch = await consumer.getmany(tp, timeout_ms=READ_TIMEOUT_MS)
                if not batch:
                    raise DependencyUnavailableError(
                        "Kafka", self._access.bootstrap,
                        f"{self._topic}[{partition}] could not be read to offset {end}")
                for record in batch.get(tp, []):
                    entry = _entry(record.value)
                    if entry is not None:
                        head = ChainHead(entry.seq + 1, entry.mac)
                        decided.add((entry.lead_id, entry.revision))
            return head, decided
        finally:
            await consumer.stop()


def _entry(value: bytes | None) -> AuditEntry | None:
    try:
        return AuditEntry.model_validate_json(value or b"")
    except ValidationError:
        log.error("an unreadable record on the audit topic: `fusion audit verify` names it")
        return None
