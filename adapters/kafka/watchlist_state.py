"""The watchlist's system of record on Kafka: ``state.watchlist``, compacted, one record per
entry keyed by its store id (``<AGENCY>/<entry_id>``), the entry's JSON, or a tombstone when
it was removed. The intake writes it with each batch's other outputs; Redis (the cache the
intake and correlate stages look entries up in) is rebuilt from it when it comes back empty.
"""

from __future__ import annotations

import asyncio
import logging

from kafka import TopicPartition
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer
from adapters.kafka.ranges import read_range
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


class WatchlistRebuild:
    """The callable a ``WatchlistStore`` calls when it finds Redis empty."""

    def __init__(self, access: KafkaAccess, topic: str) -> None:
        self._access = access
        self._topic = topic

    async def __call__(self) -> list[WatchlistEntry]:
        entries = await asyncio.to_thread(read_watchlist_state, self._access, self._topic)
        log.warning("Redis had no watchlist: rebuilt %d entries from %s", len(entries),
                    self._topic)
        return entries
