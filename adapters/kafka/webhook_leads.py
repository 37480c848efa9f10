"""What the webhook sender reads (aiokafka, read_committed: the lead copies are written in
dispatch transactions): one endpoint's agency's lead topic under the endpoint's own consumer
group, or the replay requests under the sender's. Partitions are assigned by hand (one
sender owns them all; its transactional id fences a second), offsets are committed only by
the journal's transactions, and nothing is fetched while the records handed out are not
settled: the consumer is paused meanwhile, so a receiver down for hours costs no memory."""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.structs import TopicPartition

from adapters.kafka.access import KafkaAccess
from fusion.errors import DependencyUnavailableError

log = logging.getLogger(__name__)
FETCH_TIMEOUT_MS = 1000


@dataclass(frozen=True, slots=True)
class InputRecord:
    partition: TopicPartition
    offset: int
    at: dt.datetime  # the record's timestamp (when it reached the topic)
    key: bytes | None
    value: bytes | None


class RecordSource:
    """A topic's records from the group's committed offsets (none yet: from ``start_at``,
    the first record written at or after it; None: the log's start)."""

    def __init__(self, access: KafkaAccess, *, topic: str, group: str,
                 start_at: dt.datetime | None, prefetch: int, client_id: str,
                 partitions: int = 1) -> None:
        self._access = access
        self._topic = topic
        self.group = group
        self._start_at = start_at
        self._prefetch = prefetch
        self._client_id = client_id
        self._partitions = partitions  # the contract's count (fusion/contract/topics.py)
        self._consumer: Any = None

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(
            **self._access.kafka_python(), group_id=self.group, enable_auto_commit=False,
            isolation_level="read_committed", client_id=self._client_id,
            max_partition_fetch_bytes=1024 * 1024, fetch_max_bytes=4 * 1024 * 1024)
        try:
            await consumer.start()
            tps = [TopicPartition(self._topic, p) for p in range(self._partitions)]
            consumer.assign(tps)
            for tp in tps:
                await self._position(consumer, tp)
        except AIOKafkaError as exc:
            await consumer.stop()
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap,
                f"cannot read {self._topic} as {self._access.username} (group "
                f"{self.group}): {exc!r}") from exc
        except BaseException:
            await consumer.stop()
            raise
        self._consumer = consumer

    async def _position(self, consumer: Any, tp: TopicPartition) -> None:
        committed = await consumer.committed(tp)
        if committed is not None:
            consumer.seek(tp, committed)
            return
        if self._start_at is None:
            await consumer.seek_to_beginning(tp)
            return
        found = await consumer.offsets_for_times(
            {tp: int(self._start_at.timestamp() * 1000)})
        if found.get(tp) is not None:
            consumer.seek(tp, found[tp].offset)
            return
        # nothing written since start_at: every record there now is older, so start at the
        # end offset of now, as a number. (seek_to_end would be resolved lazily, at the first
        # fetch, and skip the records written in between: a new endpoint lost its first leads.)
        end = (await consumer.end_offsets([tp]))[tp]
        consumer.seek(tp, end)

    async def fetch(self) -> list[InputRecord]:
        """Up to ``prefetch`` records (maybe none, after a second), in offset order per
        partition; the consumer is paused until ``settled_all``."""
        consumer = self._consumer
        consumer.resume(*consumer.assignment())
        try:
            batches = await consumer.getmany(timeout_ms=FETCH_TIMEOUT_MS,
                                             max_records=self._prefetch)
        except AIOKafkaError as exc:
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap, f"reading {self._topic}: {exc!r}") from exc
        consumer.pause(*consumer.assignment())
        out: list[InputRecord] = []
        for tp, records in batches.items():
            out.extend(InputRecord(tp, r.offset, dt.datetime.fromtimestamp(
                r.timestamp / 1000, dt.UTC), r.key, r.value) for r in records)
        return out

    async def rewind(self, record: InputRecord) -> None:
        """Read from ``record`` again next time (it was not settled)."""
        self._consumer.seek(record.partition, record.offset)

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
