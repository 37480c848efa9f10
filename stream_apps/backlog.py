"""Which feed partitions still hold records the intake has not processed (the "behind"
sources of its progress records, see ``progress``).

A correlation partition's watermark follows the slowest source it knows (``source_watermarks``).
A source it has never heard of cannot hold it back, so when a worker starts on a backlog of
many feed partitions, the ones its consumer happens to read first would push event time past
all the others' records, which would then be late. So the intake reports, after every batch,
every source partition assigned to it that has records after the last one it processed,
including those it has not processed anything from yet, where the start is the group's
committed offset; for a group that never committed, where the consumer's reset policy starts
it: the log's first offset (``earliest``) or its end when first seen (``latest``). The
correlate stage holds its watermark for a source reported behind whose event time it does
not know yet, and for as long as the reports keep coming. A partition the consumer has not
fetched yet has no known high watermark; its end offset is then asked of the broker once
(``highwaters``), so it is behind from the first batch on, not only once its first fetch
answered (before, those partitions' first records came out late: up to 5% of the shares of a
20,000-event replay).

``unread`` is the pure rule; ``Backlog`` reads the offsets from the intake's consumer
(``adapters.kafka.feed_consumer.FeedConsumer``, or anything with its five methods).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, Literal, NamedTuple

from stream_apps.records import InboundRecord


class TP(NamedTuple):
    """A topic partition; equal (and hashed alike) to aiokafka's and Faust's, both tuples."""

    topic: str
    partition: int


def unread(highwater: int | None, last_processed: int | None, start: int | None) -> bool:
    """Whether a partition has records to process: its high watermark (the next offset to be
    written; None: not known yet) is past the last offset processed, or, with none processed,
    past the offset the group starts from (None: not known yet)."""
    if highwater is None:
        return False  # not fetched yet: nothing is known, nothing is held
    if last_processed is not None:
        return highwater > last_processed + 1
    return start is not None and highwater > start


def source_name(topic: str, partition: int) -> str:
    return f"{topic}:{partition}"


class Backlog:
    """The intake's processed offsets, and the sources behind after each batch."""

    def __init__(self, consumer: Any, topics: Collection[str], *,
                 reset: Literal["earliest", "latest"]) -> None:
        """``reset``: the consumer's ``auto_offset_reset``, where a group that never
        committed starts."""
        self._consumer = consumer
        self._topics = frozenset(topics)
        self._reset = reset
        self._processed: dict[TP, int] = {}
        self._starts: dict[TP, int] = {}  # where a group that never committed started
        self._ends: dict[TP, int] = {}  # end offsets asked of the broker, before a fetch

    async def behind(self, records: Sequence[InboundRecord]) -> set[str]:
        """After ``records`` (one batch, processed): the assigned source partitions with
        records still to process, as ``topic:partition``."""
        processed = self._processed
        for record in records:
            tp = TP(record.origin.topic, record.origin.partition)
            processed[tp] = max(processed.get(tp, -1), record.origin.offset)
        consumer = self._consumer
        assigned = {tp for tp in consumer.assignment() if tp.topic in self._topics}
        for tp in [tp for tp in processed if tp not in assigned]:  # revoked since
            del processed[tp]
        for known in (self._starts, self._ends):
            for tp in [tp for tp in known if tp not in assigned]:
                del known[tp]
        committed = consumer.committed_offsets()
        unfetched = [tp for tp in assigned
                     if consumer.highwater(tp) is None and tp not in self._ends]
        if unfetched:
            self._ends.update(await consumer.highwaters(*unfetched))
        fresh = [tp for tp in assigned if tp not in processed and committed.get(tp) is None
                 and tp not in self._starts]
        if fresh and self._reset == "earliest":  # from the log's first offset
            self._starts.update(await consumer.earliest_offsets(*fresh))
        elif fresh:  # from the log's end: what comes after the first look is new
            self._starts.update((tp, hw) for tp in fresh
                                if (hw := self._highwater(tp)) is not None)
        behind = set()
        for tp in assigned:
            start = committed.get(tp)
            if start is None:
                start = self._starts.get(tp)
            if unread(self._highwater(tp), processed.get(tp), start):
                behind.add(source_name(tp.topic, tp.partition))
        return behind

    def _highwater(self, tp: TP) -> int | None:
        """The partition's high watermark as its consumer knows it, or, before its first
        fetch, its end offset as the broker gave it."""
        known: int | None = self._consumer.highwater(tp)
        return self._ends.get(tp) if known is None else known
