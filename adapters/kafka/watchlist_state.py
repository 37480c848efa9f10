"""The watchlist's system of record on Kafka: ``state.watchlist``, compacted, one record per
entry keyed by its store id (``<AGENCY>/<entry_id>``), the entry's JSON, or a tombstone when
it was removed. The intake writes it with each batch's other outputs; a correlation lane
whose state never had a watchlist (a new worker group) is seeded from it (``WatchlistSeed``).
"""

from __future__ import annotations

import asyncio
import logging

from kafka import TopicPartition
from kafka.errors import KafkaError
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer, open_producer, unavailable
from adapters.kafka.ranges import read_range
from fusion.errors import DependencyUnavailableError
from rules.watchlist import WatchlistEntry

log = logging.getLogger(__name__)


def read_watchlist_state(access: KafkaAccess, topic: str) -> list[WatchlistEntry]:
    """Every entry the topic holds now (the last record per key; tombstones remove)."""
    consumer = open_consumer(access, client_id="fusion-watchlist-rebuild")
    try:
        if not consumer.partitions_for_topic(topic):
            return []
        tp = TopicPartition(topic, 0)
        latest: dict[bytes, bytes | None] = {}
        for record in read_range(consumer, dict(consumer.beginning_offsets([tp]))):
            latest[record.key or b""] = record.value
    finally:
        consumer.close()
    entries = []
    for key, value in latest.items():
        if value is None:
            continue
        try:
            entries.append(WatchlistEntry.model_validate_json(value))
        except ValidationError:
            log.error("ignoring an unreadable watchlist state record %r", key)
    return entries


def record_entries(access: KafkaAccess, topic: str, entries: list[WatchlistEntry]) -> None:
    """Write ``entries`` to the record of record as the intake does (benches and set-up
    that start a worker group with a watchlist it did not read on the feed)."""
    producer = open_producer(access, client_id="fusion-watchlist-record")
    try:
        for entry in entries:
            producer.send(topic, key=entry.store_id.encode(),
                          value=entry.model_dump_json().encode())
        producer.flush(timeout=30)
    except KafkaError as exc:
        raise unavailable(access, exc) from exc
    finally:
        producer.close()


class WatchlistSeed:
    """The entries the topic holds now, read in a thread (the event loop goes on); a broker
    that does not answer is a ``DependencyUnavailableError`` (the batch is retried)."""

    def __init__(self, access: KafkaAccess, topic: str) -> None:
        self._access = access
        self._topic = topic

    async def __call__(self) -> list[WatchlistEntry]:
        try:
            entries = await asyncio.to_thread(read_watchlist_state, self._access, self._topic)
        except KafkaError as exc:
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap,
                f"the watchlist's record of record {self._topic} could not be read ({exc!r})",
            ) from exc
        log.info("read %d watchlist entries from %s", len(entries), self._topic)
        return entries
