"""The intake's own consumer of the feed topics: aiokafka's ``getmany``, a whole batch per
call, inside the Faust app (``stream_apps/feed_intake.py`` runs it as an app task).

Why not a Faust agent: Faust's per-message path (its consumer thread, ``_drain_messages``,
an event object and a task switch per message, an ack per message) cost about as much as all
of the intake's own work; the feeds carry every event, so that path ran once per event. Here
a batch of records costs one call. Faust keeps what it does well: the app, the correlation
table and its changelog, rebalancing of the internal topics, the agents on them.

Offsets are committed by the caller, after the batch's outputs are confirmed
(``commit``); nothing is auto-committed. The consumer's group is ``<app_id>-intake``: it
rebalances the feed partitions among the workers on its own. While a rebalance takes
partitions away, ``on_revoke`` waits for the batch in hand (``busy``), so no batch is
processed by two workers from the same committed offset at once without one of them
finishing first. The offsets the group had committed (for the backlog's "not read yet"
report) are asked of the broker once per assignment.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from aiokafka.errors import (
    CommitFailedError,
    IllegalGenerationError,
    KafkaError,
    RebalanceInProgressError,
    UnknownMemberIdError,
)
from aiokafka.structs import OffsetAndMetadata, TopicPartition

from adapters.kafka.access import KafkaAccess
from fusion.errors import DependencyUnavailableError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class FeedRecord:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, owner: FeedConsumer) -> None:
        self._owner = owner

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        async with self._owner.busy:  # the batch in hand is finished and committed first
            for tp in revoked:
                self._owner.committed.pop(tp, None)
        log.info("intake: %d feed partitions revoked", len(revoked))

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        await self._owner.learn_committed(assigned)
        log.info("intake: %d feed partitions assigned", len(assigned))


class FeedConsumer:
    def __init__(self, access: KafkaAccess, *, topics: Sequence[str], group: str,
                 reset: Literal["earliest", "latest"], max_records: int,
                 session_timeout: float) -> None:
        self._topics = list(topics)
        self._access = access
        self._max_records = max_records
        self.busy = asyncio.Lock()
        self.committed: dict[TopicPartition, int | None] = {}
        self._consumer = AIOKafkaConsumer(
            **access.kafka_python(), group_id=group, client_id=f"{group}-feeds",
            enable_auto_commit=False, auto_offset_reset=reset,
            max_poll_records=max_records, session_timeout_ms=int(session_timeout * 1000),
            heartbeat_interval_ms=max(1000, int(session_timeout * 1000) // 3))

    async def start(self) -> None:
        try:
            await self._consumer.start()
        except KafkaError as exc:
            await self._consumer.stop()
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap,
                f"the intake's consumer could not start ({exc!r})") from exc
        self._consumer.subscribe(self._topics, listener=_Listener(self))

    async def stop(self) -> None:
        await self._consumer.stop()

    async def batch(self, *, within: float) -> list[FeedRecord]:
        """Up to ``max_records`` records of the assigned feed partitions, waiting at most
        ``within`` seconds for the first."""
        fetched = await self._consumer.getmany(timeout_ms=int(within * 1000),
                                              max_records=self._max_records)
        return [FeedRecord(r.topic, r.partition, r.offset, r.timestamp, r.key, r.value,
                           tuple(r.headers or ()))
                for records in fetched.values() for r in records]

    async def commit(self, records: Sequence[FeedRecord]) -> bool:
        """Commit past ``records`` (the next offset of each partition they came from).
        False when the group refused it because it rebalanced meanwhile (this member was
        dropped, say after missing heartbeats while a long batch held the event loop): the
        partitions' next owner, this worker again after it rejoins, reads those records
        again from the last committed offset (at least once; the stages make that safe)."""
        offsets: dict[TopicPartition, int] = {}
        for record in records:
            tp = TopicPartition(record.topic, record.partition)
            offsets[tp] = max(offsets.get(tp, 0), record.offset + 1)
        if not offsets:
            return True
        try:
            await self._consumer.commit({tp: OffsetAndMetadata(o, "") for tp, o in
                                         offsets.items()})
        except (CommitFailedError, UnknownMemberIdError, IllegalGenerationError,
                RebalanceInProgressError) as exc:
            log.warning("intake: the group rebalanced before the batch's offsets were "
                        "committed; its %d records will be read again (%s)", len(records),
                        type(exc).__name__)
            return False
        self.committed.update(offsets)
        return True

    async def learn_committed(self, assigned: Collection[TopicPartition]) -> None:
        for tp in assigned:
            try:
                self.committed[tp] = await self._consumer.committed(tp)
            except KafkaError as exc:  # the backlog report then counts it from its reset
                log.warning("intake: the committed offset of %s is unknown (%r)", tp, exc)
                self.committed[tp] = None

    # -- what ``stream_apps.backlog.Backlog`` asks ------------------------------------------

    def assignment(self) -> set[TopicPartition]:
        assigned: set[TopicPartition] = self._consumer.assignment()
        return assigned

    def highwater(self, tp: TopicPartition) -> int | None:
        known: int | None = self._consumer.highwater(tp)
        return known

    async def highwaters(self, *tps: TopicPartition) -> Mapping[TopicPartition, int]:
        ends: dict[TopicPartition, int] = await self._consumer.end_offsets(list(tps))
        return ends

    async def earliest_offsets(self, *tps: TopicPartition) -> Mapping[TopicPartition, int]:
        starts: dict[TopicPartition, int] = await self._consumer.beginning_offsets(list(tps))
        return starts

    def committed_offsets(self) -> Mapping[TopicPartition, int | None]:
        return self.committed

