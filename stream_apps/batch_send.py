"""Outbound records handed to the producer as record batches, one per topic partition.

Faust's ``topic.send`` costs about 400 µs of CPU per record on the bench machine (a future
message, sensors, a callback and an ``await`` chain through Faust's and aiokafka's producer
for each record); a batch built with aiokafka's ``BatchBuilder`` costs about 50 µs per record
(bench/plain_faust.py experiments in stream_apps/README.md).

Guarantees kept:

- every record is in the producer's accumulator when :meth:`BatchSender.send` returns, so
  Faust's flush of the producer before it commits offsets covers them (at-least-once);
- records of one topic partition keep their order: they go into one batch in order, and
  aiokafka queues a submitted batch behind the partition's pending ones;
- a record without a partition goes where ``topic.send`` would put it: the producer's own
  partitioner over the key.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from adapters.kafka.faust_internals import aiokafka_producer
from stream_apps.records import OutboundRecord

log = logging.getLogger(__name__)


class BatchSender:
    """Sends through the aiokafka producer inside a started Faust producer."""

    def __init__(self, faust_producer: Any) -> None:
        self._faust_producer = faust_producer

    async def send(self, records: Sequence[OutboundRecord]) -> list[asyncio.Future[Any]]:
        """Queue ``records``; one delivery future per batch (it fails if the batch is lost)."""
        producer = aiokafka_producer(self._faust_producer)
        by_partition: dict[tuple[str, int], list[OutboundRecord]] = {}
        known: dict[str, list[int]] = {}  # a topic's partitions, asked once per call
        for record in records:
            partition = record.partition
            if partition is None:
                if record.topic not in known:
                    known[record.topic] = sorted(await producer.partitions_for(record.topic))
                partition = self._faust_producer.partitioner(
                    record.key, known[record.topic], known[record.topic])
            by_partition.setdefault((record.topic, partition), []).append(record)
        futures: list[asyncio.Future[Any]] = []
        for (topic, partition), batch_records in by_partition.items():
            batch = producer.create_batch()
            for record in batch_records:
                if _append(batch, record) is None:  # full: submit it, start the next one
                    futures.append(await producer.send_batch(batch, topic, partition=partition))
                    batch = producer.create_batch()
                    _append(batch, record)  # the first record always fits
            futures.append(await producer.send_batch(batch, topic, partition=partition))
        for future in futures:
            future.add_done_callback(_log_lost_batch)
        return futures


def _append(batch: Any, record: OutboundRecord) -> Any:
    return batch.append(timestamp=None, key=record.key, value=record.value,
                        headers=list(record.headers))


def _log_lost_batch(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("a batch of outbound records was not delivered: %r", future.exception())
