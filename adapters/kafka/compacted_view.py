"""A worker's always-current copy of a small compacted control topic (aiokafka, one
partition, no consumer group): ``records()`` asks the end offset and reads up to it, so a
decision is never taken with a copy older than the topic was when it was asked.

The latest record per key is kept (a tombstone removes the key). Used by the dispatcher for
``control.silences`` (``adapters/kafka/silences.py``).
"""

from __future__ import annotations

from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.structs import TopicPartition

from adapters.kafka.access import KafkaAccess
from fusion.errors import DependencyUnavailableError

READ_TIMEOUT = 30.0


class CompactedView:
    def __init__(self, access: KafkaAccess, topic: str, *, client_id: str) -> None:
        self._access = access
        self._tp = TopicPartition(topic, 0)
        self._client_id = client_id
        self._consumer: Any = None
        self._latest: dict[bytes, bytes] = {}
        self.changed = False  # set when a read brought a record; the owner clears it

    async def _started(self) -> Any:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(**self._access.kafka_python(), group_id=None,
                                        enable_auto_commit=False, client_id=self._client_id,
                                        isolation_level="read_committed")
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

    async def records(self) -> dict[bytes, bytes]:
        """The latest value per key, read up to the topic's end offset as it is now."""
        consumer = await self._started()
        try:
            end = (await consumer.end_offsets([self._tp]))[self._tp]
            while await consumer.position(self._tp) < end:
                batches = await consumer.getmany(self._tp, timeout_ms=int(READ_TIMEOUT * 1000))
                if not batches:
                    raise DependencyUnavailableError(
                        "Kafka", self._access.bootstrap,
                        f"{self._tp.topic} could not be read to offset {end} in "
                        f"{READ_TIMEOUT:g}s: leads wait rather than go by an old copy")
                for batch in batches.values():
                    for record in batch:
                        self.changed = True
                        if record.value is None:
                            self._latest.pop(record.key or b"", None)
                        else:
                            self._latest[record.key or b""] = record.value
        except AIOKafkaError as exc:
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap,
                f"reading {self._tp.topic}: {exc}; leads wait") from exc
        return self._latest

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
