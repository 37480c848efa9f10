"""What is already on the feed topics: end offsets before a chunk is sent, and the events
that arrived since, read after a restart. kafka-python, no consumer group."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable

from kafka import TopicPartition
from kafka.errors import KafkaError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import START_HINT, open_consumer
from fusion.errors import DependencyUnavailableError

TopicOffsets = dict[str, dict[int, int]]  # topic -> partition -> next offset

SCAN_TIMEOUT_S = 60.0


class TopicScanner:
    def __init__(self, access: KafkaAccess) -> None:
        self._where = access.bootstrap
        self._consumer = open_consumer(access, client_id="fusion-import-scan",
                                       consumer_timeout_ms=1000)

    def end_offsets(self, topics: Iterable[str]) -> TopicOffsets:
        try:
            out: TopicOffsets = {}
            for topic in topics:
                parts = [TopicPartition(topic, p)
                         for p in sorted(self._consumer.partitions_for_topic(topic) or ())]
                ends = self._consumer.end_offsets(parts) if parts else {}
                out[topic] = {tp.partition: int(offset) for tp, offset in ends.items()}
            return out
        except KafkaError as exc:
            raise self._unavailable(exc) from exc

    def delivered_keys(self, start: TopicOffsets) -> set[str]:
        """``AGENCY/event_id`` of every event on the topics from ``start`` to their end now."""
        try:
            return self._read_keys(start)
        except KafkaError as exc:
            raise self._unavailable(exc) from exc

    def _read_keys(self, start: TopicOffsets) -> set[str]:
        ends = self.end_offsets(start)
        todo = {TopicPartition(t, p): end for t, parts in ends.items() for p, end in parts.items()
                if end > start[t].get(p, 0)}
        keys: set[str] = set()
        if not todo:
            return keys
        self._consumer.assign(list(todo))
        for tp in todo:
            self._consumer.seek(tp, start[tp.topic].get(tp.partition, 0))
        deadline = time.monotonic() + SCAN_TIMEOUT_S
        while any(self._consumer.position(tp) < end for tp, end in todo.items()):
            if time.monotonic() > deadline:
                raise DependencyUnavailableError(
                    "Kafka", self._where, f"could not read the topics within {SCAN_TIMEOUT_S}s")
            for records in self._consumer.poll(timeout_ms=500).values():
                keys.update(filter(None, (_event_key(r.value) for r in records)))
        return keys

    def close(self) -> None:
        self._consumer.close()

    def _unavailable(self, exc: Exception) -> DependencyUnavailableError:
        return DependencyUnavailableError(
            "Kafka", self._where, f"{exc}; {START_HINT}")


def _event_key(value: bytes | None) -> str | None:
    try:
        doc = json.loads(value or b"")
        return f"{doc['agency']}/{doc['event_id']}"
    except (ValueError, KeyError, TypeError):
        return None
