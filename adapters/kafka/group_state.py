"""The dispatcher's grouping state on its compacted topic (``state.dispatch-groups``): one
record per (lead, recipient), keyed ``<app_id>/<lead_id>/<AGENCY>`` (each worker group
recovers only its own states: another group's held revisions are not its to send), in the
partition of the lead's
``internal.leads`` partition, written in the dispatch transaction (``audit_log.Copy``) and
read back, committed records only, when the partition is assigned, after its transactional
producer has fenced any earlier owner: so a held revision survives a restart or rebalance
and goes out once.
"""

from __future__ import annotations

import logging

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.structs import TopicPartition
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.audit_log import Copy
from fusion.errors import DependencyUnavailableError
from leads.grouping import GroupState

log = logging.getLogger(__name__)
READ_TIMEOUT_MS = 30_000


class GroupStateLog:
    def __init__(self, access: KafkaAccess, topic: str, *, app_id: str) -> None:
        self._access = access
        self._topic = topic
        self._prefix = f"{app_id}/"

    def record(self, partition: int, key: str, state: GroupState | None) -> Copy:
        """The record of ``state`` (None: the state is gone, a tombstone)."""
        value = state.model_dump_json().encode() if state is not None else None
        return Copy(self._topic, (self._prefix + key).encode(), value, partition)

    async def recover(self, partition: int) -> dict[str, GroupState]:
        """Every state of the partition, as committed."""
        consumer = AIOKafkaConsumer(**self._access.kafka_python(), group_id=None,
                                    enable_auto_commit=False, isolation_level="read_committed",
                                    client_id=f"fusion-dispatch-groups-{partition}")
        states: dict[str, GroupState] = {}
        try:
            await consumer.start()
            tp = TopicPartition(self._topic, partition)
            consumer.assign([tp])
            end = (await consumer.end_offsets([tp]))[tp]  # the last stable offset
            # seek_to_beginning after end_offsets left the position at the end (aiokafka
            # 0.14): seek to the first offset the broker still has instead.
            consumer.seek(tp, (await consumer.beginning_offsets([tp]))[tp])
            while await consumer.position(tp) < end:
                batch = await consumer.getmany(tp, timeout_ms=READ_TIMEOUT_MS)
                if not batch:
                    raise DependencyUnavailableError(
                        "Kafka", self._access.bootstrap,
                        f"{self._topic}[{partition}] could not be read to offset {end}")
                for record in batch.get(tp, []):
                    key = (record.key or b"").decode(errors="replace")
                    if not key.startswith(self._prefix):
                        continue  # another worker group's
                    key = key.removeprefix(self._prefix)
                    if record.value is None:
                        states.pop(key, None)
                        continue
                    try:
                        states[key] = GroupState.model_validate_json(record.value)
                    except ValidationError as exc:
                        log.error("an unreadable grouping state %s (%d problems): dropped",
                                  key, exc.error_count())
                        states.pop(key, None)
        except AIOKafkaError as exc:
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap,
                f"cannot read {self._topic}[{partition}]: {exc}") from exc
        finally:
            await consumer.stop()
        log.info("dispatch partition %d: %d grouping states, %d held", partition, len(states),
                 sum(1 for s in states.values() if s.held is not None))
        return states
