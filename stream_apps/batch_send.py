"""Outbound records handed to the producer as record batches, one per topic partition.

Faust's ``topic.send`` costs about 400 µs of CPU per record on the bench machine (a future
message, sensors, a callback and an ``await`` chain through Faust's and aiokafka's producer
for each record); a batch built with aiokafka's ``BatchBuilder`` costs about 50 µs per record
(bench/plain_faust.py experiments in stream_apps/README.md).

Guarantees kept:

- every record is in the producer's accumulator when :meth:`BatchSender.send` returns, or
  its ``Submitted`` says why it could not be queued (``error``);
- records of one topic partition keep their order: they go into one batch in order, and
  aiokafka queues a submitted batch behind the partition's pending ones;
- a record without a partition goes where ``topic.send`` would put it: the producer's own
  partitioner over the key.

Whether the broker took them is the caller's to wait for: ``stream_apps/delivery.py`` waits
for every ``Submitted`` and sends the refused ones again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.kafka.faust_internals import aiokafka_producer
from stream_apps.records import OutboundRecord


@dataclass(frozen=True, slots=True)
class Submitted:
    """Records queued as one batch for ``topic`` [``partition``]: ``future`` is done once the
    broker answered (it fails if the batch was refused); ``error`` instead when they could not
    even be queued (no metadata for the topic, the producer stopping)."""

    topic: str
    partition: int | None
    records: Sequence[OutboundRecord]
    future: asyncio.Future[Any] | None = None
    error: BaseException | None = None


class BatchSender:
    """Sends through the aiokafka producer inside a started Faust producer; records for a
    topic in ``headers`` get those headers too (the worker's app id on internal topics)."""

    def __init__(self, faust_producer: Any,
                 headers: Mapping[str, tuple[tuple[str, bytes], ...]] | None = None) -> None:
        self._faust_producer = faust_producer
        self._headers = dict(headers or {})

    async def send(self, records: Sequence[OutboundRecord]) -> list[Submitted]:
        """Queue ``records``: one ``Submitted`` per batch, or per group that failed to queue."""
        producer = aiokafka_producer(self._faust_producer)
        by_partition: dict[tuple[str, int], list[OutboundRecord]] = {}
        known: dict[str, list[int]] = {}  # a topic's partitions, asked once per call
        unplaced: dict[str, tuple[list[OutboundRecord], BaseException]] = {}
        for record in records:
            partition = record.partition
            if partition is None:
                if record.topic in unplaced:
                    unplaced[record.topic][0].append(record)
                    continue
                if record.topic not in known:
                    try:
                        known[record.topic] = sorted(await producer.partitions_for(record.topic))
                    except Exception as exc:  # no metadata: these records wait for a retry
                        unplaced[record.topic] = ([record], exc)
                        continue
                partition = self._faust_producer.partitioner(
                    record.key, known[record.topic], known[record.topic])
            by_partition.setdefault((record.topic, partition), []).append(record)
        out = [Submitted(topic, None, waiting, error=exc)
               for topic, (waiting, exc) in unplaced.items()]
        for (topic, partition), batch_records in by_partition.items():
            out += await _submit(producer, topic, partition, batch_records,
                                 self._headers.get(topic, ()))
        return out


async def _submit(producer: Any, topic: str, partition: int, records: list[OutboundRecord],
                  extra: tuple[tuple[str, bytes], ...]) -> list[Submitted]:
    """``records`` of one topic partition as batches, in order; once one fails to queue, it
    and the rest are returned with the error (queuing them behind it would reorder them)."""
    out: list[Submitted] = []
    batch, members = producer.create_batch(), list[OutboundRecord]()
    try:
        for record in records:
            if _append(batch, record, extra) is None:  # full: submit, start the next one
                future = await producer.send_batch(batch, topic, partition=partition)
                out.append(Submitted(topic, partition, members, future))
                batch, members = producer.create_batch(), []
                _append(batch, record, extra)  # the first record always fits
            members.append(record)
        future = await producer.send_batch(batch, topic, partition=partition)
        out.append(Submitted(topic, partition, members, future))
    except Exception as exc:
        queued = sum(len(s.records) for s in out)
        out.append(Submitted(topic, partition, records[queued:], error=exc))
    return out


def _append(batch: Any, record: OutboundRecord, extra: tuple[tuple[str, bytes], ...]) -> Any:
    return batch.append(timestamp=None, key=record.key, value=record.value,
                        headers=[*record.headers, *extra])

