"""BatchSender: one record batch per topic partition, order kept, the producer's partitioner;
a group that cannot be queued comes back with its error instead of raising."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka.partitioner import DefaultPartitioner

from stream_apps.batch_send import BatchSender, Submitted
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
        self.headers: list[list[tuple[str, bytes]]] = []
        self.no_metadata: set[str] = set()
        self.refuse_after: int | None = None  # send_batch raises once this many were sent

    def create_batch(self) -> FakeBatch:
        return FakeBatch(self.capacity)

    async def partitions_for(self, topic: str) -> set[int]:
        if topic in self.no_metadata:
            raise TimeoutError(f"no metadata for {topic}")
        return {2, 0, 1}

    async def send_batch(self, batch: FakeBatch, topic: str, *, partition: int) -> Any:
        if self.refuse_after is not None and len(self.sent) >= self.refuse_after:
            raise RuntimeError("producer stopping")
        self.sent.append((topic, partition, [value for _, value, _ in batch.records]))
        self.headers.extend(h for _, _, h in batch.records)
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


class FakeFaustProducer:
    def __init__(self, capacity: int = 100) -> None:
        self.partitioner = DefaultPartitioner()
        self.inner = FakeAiokafkaProducer(capacity)

    def _ensure_producer(self) -> FakeAiokafkaProducer:
        return self.inner


def submit(producer: FakeFaustProducer, records: list[OutboundRecord]) -> list[Submitted]:
    async def run() -> list[Submitted]:
        submitted = await BatchSender(producer).send(records)
        await asyncio.gather(*(s.future for s in submitted if s.future is not None))
        return submitted
    return asyncio.run(run())


def send(producer: FakeFaustProducer, records: list[OutboundRecord]) -> int:
    submitted = submit(producer, records)
    assert all(s.error is None for s in submitted)
    return len(submitted)


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


def test_each_batch_names_its_records_in_order() -> None:
    producer = FakeFaustProducer(capacity=2)
    records = [OutboundRecord("internal.events", b"k", f"v{i}".encode(), partition=0)
               for i in range(5)]
    submitted = submit(producer, records)
    assert [[r.value for r in s.records] for s in submitted] == [[b"v0", b"v1"], [b"v2", b"v3"],
                                                                 [b"v4"]]


def test_a_batch_that_cannot_be_queued_comes_back_with_the_rest_of_its_partition() -> None:
    producer = FakeFaustProducer(capacity=2)
    producer.inner.refuse_after = 1
    records = [OutboundRecord("internal.events", b"k", f"v{i}".encode(), partition=0)
               for i in range(5)]
    first, failed = submit(producer, records)
    assert [r.value for r in first.records] == [b"v0", b"v1"]
    assert first.error is None
    assert [r.value for r in failed.records] == [b"v2", b"v3", b"v4"]
    assert failed.future is None
    assert isinstance(failed.error, RuntimeError)


def test_records_of_a_topic_without_metadata_come_back_and_the_others_go() -> None:
    producer = FakeFaustProducer()
    producer.inner.no_metadata.add("leads.hsi")
    records = [OutboundRecord("leads.hsi", b"a", b"1"), OutboundRecord("feeds.dlq", b"b", b"2"),
               OutboundRecord("leads.hsi", b"c", b"3")]
    submitted = submit(producer, records)
    (waiting,) = [s for s in submitted if s.error is not None]
    assert (waiting.topic, [r.value for r in waiting.records]) == ("leads.hsi", [b"1", b"3"])
    assert [values for _, _, values in producer.inner.sent] == [[b"2"]]


def test_a_topic_can_get_headers_of_its_own() -> None:
    producer = FakeFaustProducer()
    app = (("fusion-app", b"w1"),)
    records = [OutboundRecord("internal.leads", b"a", b"1", (("h", b"x"),), partition=0),
               OutboundRecord("feeds.dlq", b"b", b"2", partition=0)]
    asyncio.run(BatchSender(producer, headers={"internal.leads": app}).send(records))
    assert producer.inner.headers == [[("h", b"x"), ("fusion-app", b"w1")], []]
