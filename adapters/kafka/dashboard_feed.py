"""What the dashboard reads and writes on Kafka, as ``svc-dashboard``.

``DashboardFeed`` follows every lead topic (``leads.<agency>``), the dissemination audit and
the triage actions with one group-less aiokafka consumer (no committed offsets: each process
reads for itself), ``read_committed`` (lead copies and audit entries are written in the
dispatcher's transactions), from a point in time on: ``catch_up`` reads up to the end
offsets of the start, then ``follow`` hands over records as they are committed (a fetch
waits at most ``FETCH_WAIT_MS``, so a new lead is on the pages well within a second).

``TriagePublisher`` writes officers' actions to the triage topic, keyed by lead id
(idempotent, ``acks=all``), and returns only when the broker has confirmed them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.errors import (
    SaslAuthenticationFailed,
    TopicAuthorizationFailedError,
)
from aiokafka.structs import TopicPartition

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer
from fusion.errors import AccessRefusedError, DependencyUnavailableError, PublishError

log = logging.getLogger(__name__)
FETCH_WAIT_MS = 100
CATCH_UP_TIMEOUT = 120.0


@dataclass(frozen=True, slots=True)
class FeedRecord:
    topic: str
    partition: int
    offset: int
    written_at: dt.datetime
    value: bytes


Handler = Callable[[list[FeedRecord]], Awaitable[None] | None]


def _refused(access: KafkaAccess, exc: BaseException) -> Exception:
    if isinstance(exc, SaslAuthenticationFailed | TopicAuthorizationFailedError):
        return AccessRefusedError("Kafka", access.bootstrap, access.username,
                                  f"{type(exc).__name__}: {exc}")
    return DependencyUnavailableError("Kafka", access.bootstrap,
                                      f"{type(exc).__name__}: {exc} (as {access.username})")


class DashboardFeed:
    def __init__(self, access: KafkaAccess, *, topics: Sequence[str], since: dt.datetime,
                 client_id: str = "fusion-dashboard") -> None:
        self._access = access
        self._topics = list(topics)
        self._since = since
        self._consumer = AIOKafkaConsumer(
            **access.kafka_python(), group_id=None, enable_auto_commit=False,
            isolation_level="read_committed", client_id=client_id,
            fetch_max_wait_ms=FETCH_WAIT_MS, auto_offset_reset="earliest")
        self._partitions: list[TopicPartition] = []

    async def start(self) -> None:
        """Connect, assign every partition of the topics and seek to ``since``."""
        consumer = self._consumer
        loop = asyncio.get_running_loop()
        self._partitions = await loop.run_in_executor(None, self._discover)
        try:
            await consumer.start()
            consumer.assign(self._partitions)
            found = await consumer.offsets_for_times(
                {tp: int(self._since.timestamp() * 1000) for tp in self._partitions})
            ends = await consumer.end_offsets(self._partitions)
            for tp in self._partitions:
                at = found.get(tp)
                consumer.seek(tp, at.offset if at is not None else ends[tp])
        except AIOKafkaError as exc:
            await consumer.stop()
            raise _refused(self._access, exc) from exc

    def _discover(self) -> list[TopicPartition]:
        """Every partition of the topics (aiokafka's consumer knows only those it was
        assigned; kafka-python's asks the broker)."""
        probe = open_consumer(self._access, client_id="fusion-dashboard-metadata")
        try:
            found = {t: sorted(probe.partitions_for_topic(t) or ()) for t in self._topics}
        finally:
            probe.close()
        missing = [t for t, partitions in found.items() if not partitions]
        if missing:
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap,
                f"no topic {', '.join(missing)} (or {self._access.username} may not "
                "describe it): run 'fusion topics create' and 'fusion principals sync'")
        return [TopicPartition(t, p) for t, partitions in found.items() for p in partitions]

    async def catch_up(self, handler: Handler, *, timeout: float = CATCH_UP_TIMEOUT) -> int:
        """Hand over every record up to the end offsets as they are now; the count."""
        consumer = self._consumer
        ends = await consumer.end_offsets(self._partitions)
        todo = {tp for tp in self._partitions if await consumer.position(tp) < ends[tp]}
        deadline = time.monotonic() + timeout
        count = 0
        while todo:
            if time.monotonic() > deadline:
                raise DependencyUnavailableError(
                    "Kafka", self._access.bootstrap,
                    f"the dashboard's topics were not read to their end in {timeout:g}s")
            count += await self._poll(handler)
            todo = {tp for tp in todo if await consumer.position(tp) < ends[tp]}
        return count

    async def follow(self, handler: Handler) -> None:
        """Hand over records as they come, until cancelled."""
        while True:
            try:
                await self._poll(handler)
            except AIOKafkaError as exc:  # the consumer reconnects by itself; say so
                log.warning("reading the dashboard's topics failed, retrying: %s", exc)

    async def _poll(self, handler: Handler) -> int:
        batches = await self._consumer.getmany(timeout_ms=200, max_records=2000)
        records = [FeedRecord(r.topic, r.partition, r.offset,
                              dt.datetime.fromtimestamp(r.timestamp / 1000, dt.UTC),
                              r.value or b"")
                   for batch in batches.values() for r in batch]
        if records:
            result = handler(records)
            if result is not None:
                await result
        return len(records)

    async def stop(self) -> None:
        await self._consumer.stop()


class TriagePublisher:
    def __init__(self, access: KafkaAccess, *, topic: str,
                 client_id: str = "fusion-dashboard") -> None:
        self._access = access
        self.topic = topic
        self._producer: Any = AIOKafkaProducer(
            **access.kafka_python(), acks="all", enable_idempotence=True, client_id=client_id)

    async def start(self) -> None:
        try:
            await self._producer.start()
        except AIOKafkaError as exc:
            await self._producer.stop()
            raise _refused(self._access, exc) from exc

    async def publish(self, records: Sequence[tuple[str, bytes]]) -> None:
        """``(lead_id, action JSON)`` records; returns when the broker has every one."""
        try:
            futures = [await self._producer.send(self.topic, key=key.encode(), value=value)
                       for key, value in records]
            for future in futures:
                await future
        except AIOKafkaError as exc:
            raise PublishError(f"the broker did not confirm {len(records)} triage action(s) "
                               f"on {self.topic}: {type(exc).__name__}: {exc}; try again") from exc

    async def stop(self) -> None:
        await self._producer.stop()
