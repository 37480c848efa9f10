"""BatchSender: one record batch per topic partition, order kept, the producer's partitioner."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.partitioner import DefaultPartitioner

from stream_apps.batch_send import BatchSender
from stream_apps.records import OutboundRecord


class FakeBatch:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.records: list[tuple[bytes, bytes, list[tuple[str, bytes]]]] = []

    def append(self, *, timestamp: Any, key: bytes, value: bytes,
               headers: list[tuple[str, bytes]]) -> object | None:
        if len(self.records) >= self.capacity:
            return None
        self.records.append((key, value, headers))
        return object()


class FakeAiokafkaProducer:
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self.sent: list[tuple[str, int, list[bytes]]] = []

    def create_batch(self) -> FakeBatch:
        return FakeBatch(self.capacity)

    async def partitions_for(self, topic: str) -> set[int]:
        return {2, 0, 1}

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int) -> Any:
        self.sent.append((topic, partition, [value for _, value, _ in batch.records]))
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


class FakeFaustProducer:
    def __init__(self, capacity: int = 100) -> None:
        self.partitioner = DefaultPartitioner()
        self.inner = FakeAiokafkaProducer(capacity)

    def _ensure_producer(self) -> FakeAiokafkaProducer:
        return self.inner


def send(producer: FakeFaustProducer, records: list[OutboundRecord]) -> int:
    async def run() -> int:
        futures = await BatchSender(producer).send(records)
        await asyncio.gather(*futures)
        return len(futures)
    return asyncio.run(run())


def test_one_batch_per_partition_in_record_order() -> None:
    producer = FakeFaustProducer()
    records = [OutboundRecord("internal.events", b"k", f"v{i}".encode(), partition=i % 2)
               for i in range(6)]
    assert send(producer, records) == 2
    assert producer.inner.sent == [("internal.events", 0, [b"v0", b"v2", b"v4"]),
                                   ("internal.events", 1, [b"v1", b"v3", b"v5"])]


def test_a_full_batch_is_submitted_and_the_next_one_follows_in_order() -> None:
    producer = FakeFaustProducer(capacity=2)
    records = [OutboundRecord("internal.events", b"k", f"v{i}".encode(), partition=0)
               for i in range(5)]
    assert send(producer, records) == 3
    assert [values for _, _, values in producer.inner.sent] == [[b"v0", b"v1"], [b"v2", b"v3"],
                                                                [b"v4"]]


def test_a_record_without_partition_goes_where_the_partitioner_puts_its_key() -> None:
    producer = FakeFaustProducer()
    keys = [f"lead-{i}".encode() for i in range(20)]
    send(producer, [OutboundRecord("internal.leads", key, key) for key in keys])
    for _, partition, values in producer.inner.sent:
        assert all(DefaultPartitioner()(key, [0, 1, 2], [0, 1, 2]) == partition
                   for key in values)
    assert sorted(v for _, _, values in producer.inner.sent for v in values) == sorted(keys)
