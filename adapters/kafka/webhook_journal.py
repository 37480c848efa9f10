"""The webhook sender's writes, each in ONE Kafka transaction: the delivery receipts (sealed
into their hash chain), a dead letter or an endpoint's new state when there is one, and the
consumed offset of the lead (or replay request) they settle.

So a lead's offset is committed exactly when its receipt (and, given up, its dead letter) is
on the broker: a crash before leaves the lead to be delivered again under the same
webhook-id (the receiver dedupes), a crash after loses nothing. One transactional id for the
sender (``fusion-webhooks[-suffix]``) makes it the receipts chain's only writer: a second
sender started with the same id fences the first (its next commit fails with
``SenderFencedError``), so two never interleave the chain. The chain's head is read back
from the receipts topic (read_committed) when the journal starts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.errors import ProducerFenced
from aiokafka.structs import TopicPartition
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from fusion.contract.topics import WebhookTopics
from fusion.contract.webhooks import DeliveryDeadLetter, DeliveryReceipt, EndpointState
from fusion.errors import DependencyUnavailableError, FusionError
from leads.audit_chain import ChainHead
from leads.webhooks.receipts import seal

log = logging.getLogger(__name__)
READ_TIMEOUT_MS = 30_000
HEAD_WINDOW = 64


class SenderFencedError(FusionError):
    """Another webhook sender with this transactional id took over."""


@dataclass(frozen=True, slots=True)
class Settled:
    """The input record a commit settles: its partition, next offset and consumer group."""

    partition: TopicPartition
    next_offset: int
    group: str


class DeliveryJournal:
    def __init__(self, access: KafkaAccess, topics: WebhookTopics, *, transactional_id: str,
                 key: bytes) -> None:
        self._access = access
        self._topics = topics
        self._transactional_id = transactional_id
        self._key = key
        self._producer: Any = None
        self._head = ChainHead()
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        producer = AIOKafkaProducer(**self._access.kafka_python(), acks="all",
                                    enable_idempotence=True,
                                    transactional_id=self._transactional_id,
                                    client_id="fusion-webhooks-journal")
        try:
            await producer.start()
            self._head = await self._recover()
        except AIOKafkaError as exc:
            await producer.stop()
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap,
                f"cannot open the webhook journal as {self._access.username}: {exc!r}"
            ) from exc
        self._producer = producer
        log.info("webhook receipts chain at seq %d", self._head.next_seq)

    async def commit(self, *, receipts: Sequence[dict[str, Any]],
                     dead_letter: DeliveryDeadLetter | None = None,
                     state: EndpointState | None = None,
                     settled: Settled | None = None) -> list[DeliveryReceipt]:
        """Seal ``receipts`` (their fields but seq, prev, mac) and write them with the dead
        letter, the state and the settled offset, atomically. Raises
        ``DependencyUnavailableError`` (nothing visible: try again) or
        ``SenderFencedError``."""
        async with self._lock:
            head, sealed = self._head, []
            for fields in receipts:
                receipt, head = seal(fields, head, self._key)
                sealed.append(receipt)
            producer = self._producer
            try:
                async with producer.transaction():
                    if dead_letter is not None:
                        await producer.send(self._topics.dead_letters,
                                            key=dead_letter.lead_id.encode(),
                                            value=dead_letter.model_dump_json().encode())
                    if state is not None:
                        await producer.send(self._topics.states,
                                            key=state.endpoint_id.encode(),
                                            value=state.model_dump_json().encode())
                    for receipt in sealed:
                        await producer.send(self._topics.receipts,
                                            key=receipt.lead_id.encode(),
                                            value=receipt.model_dump_json().encode())
                    if settled is not None:
                        await producer.send_offsets_to_transaction(
                            {settled.partition: settled.next_offset}, settled.group)
            except ProducerFenced as exc:
                raise SenderFencedError(
                    f"another webhook sender took the transactional id "
                    f"{self._transactional_id}: this one stops") from exc
            except AIOKafkaError as exc:
                await self._restart()
                raise DependencyUnavailableError(
                    "Kafka", self._access.bootstrap,
                    f"a webhook journal transaction failed ({exc!r}); nothing of it is "
                    "visible, it is tried again") from exc
            self._head = head
            return sealed

    async def _restart(self) -> None:
        """After a failed transaction: a new producer (fencing the old epoch) and the head
        read back, so the chain continues from what the broker holds."""
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None
        try:
            await self.start()
        except DependencyUnavailableError as exc:
            log.error("webhook journal: %s", exc)

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def _recover(self) -> ChainHead:
        consumer = AIOKafkaConsumer(**self._access.kafka_python(), group_id=None,
                                    enable_auto_commit=False, isolation_level="read_committed",
                                    client_id="fusion-webhooks-receipts-head")
        await consumer.start()
        try:
            tp = TopicPartition(self._topics.receipts, 0)
            consumer.assign([tp])
            end = (await consumer.end_offsets([tp]))[tp]
            begin = (await consumer.beginning_offsets([tp]))[tp]
            window = HEAD_WINDOW
            while True:  # widen the window until a receipt is found or the log's start
                start = max(begin, end - window)
                head = await self._last_receipt(consumer, tp, start, end)
                if head is not None or start == begin:
                    return head or ChainHead()
                window *= 8
        finally:
            await consumer.stop()

    async def _last_receipt(self, consumer: Any, tp: TopicPartition, start: int,
                            end: int) -> ChainHead | None:
        consumer.seek(tp, start)
        head = None
        deadline = asyncio.get_running_loop().time() + READ_TIMEOUT_MS / 1000
        while await consumer.position(tp) < end:  # an empty fetch may pass a marker
            if asyncio.get_running_loop().time() > deadline:
                raise DependencyUnavailableError(
                    "Kafka", self._access.bootstrap,
                    f"{tp.topic} could not be read to offset {end}")
            batch = await consumer.getmany(tp, timeout_ms=500)
            for record in batch.get(tp, []):
                try:
                    receipt = DeliveryReceipt.model_validate_json(record.value or b"")
                except ValidationError:
                    log.error("an unreadable record on %s at offset %d: `fusion webhooks "
                              "receipts --verify` names it", tp.topic, record.offset)
                    continue
                head = ChainHead(receipt.seq + 1, receipt.mac)
        return head
