"""Which feed partitions the intake reports behind (``stream_apps.backlog``)."""

from __future__ import annotations

import asyncio
from typing import Any

from faust.types import TP

from stream_apps.backlog import Backlog, unread
from stream_apps.dead_letters import RecordOrigin
from stream_apps.records import InboundRecord


def test_unread_after_the_last_processed_offset() -> None:
    assert unread(highwater=11, last_processed=9, start=None)
    assert not unread(highwater=10, last_processed=9, start=None)


def test_unread_from_the_start_when_nothing_was_processed() -> None:
    assert unread(highwater=5, last_processed=None, start=0)
    assert not unread(highwater=5, last_processed=None, start=5)  # committed at the end
    assert not unread(highwater=5, last_processed=None, start=None)  # start not known


def test_nothing_is_held_for_a_partition_not_fetched_yet() -> None:
    assert not unread(highwater=None, last_processed=None, start=0)


class _Consumer:
    """The few Faust consumer calls ``Backlog`` makes, over fixed offsets."""

    def __init__(self, highwaters: dict[TP, int | None], committed: dict[TP, int | None],
                 earliest: dict[TP, int], ends: dict[TP, int] | None = None) -> None:
        self._highwaters, self.committed, self._earliest = highwaters, committed, earliest
        self._ends = ends or {}  # what the broker answers for a partition not fetched yet
        self.earliest_calls = 0
        self.end_calls: list[tuple[TP, ...]] = []

    def committed_offsets(self) -> dict[TP, int | None]:
        return self.committed

    def assignment(self) -> set[TP]:
        return set(self._highwaters)

    def highwater(self, tp: TP) -> int | None:
        return self._highwaters[tp]

    async def highwaters(self, *tps: TP) -> dict[TP, int]:
        self.end_calls.append(tps)
        return {tp: self._ends[tp] for tp in tps}

    async def earliest_offsets(self, *tps: TP) -> dict[TP, int]:
        self.earliest_calls += 1
        return {tp: self._earliest[tp] for tp in tps}


def _record(topic: str, partition: int, offset: int) -> InboundRecord:
    return InboundRecord(origin=RecordOrigin(topic=topic, partition=partition, offset=offset,
                                             timestamp_ms=None, key=None), value=b"{}")


def test_every_assigned_feed_partition_with_records_to_process_is_behind() -> None:
    read, never, done, other = (TP("feeds.a", 0), TP("feeds.b", 0), TP("feeds.c", 0),
                                TP("internal.events", 0))
    consumer = _Consumer(highwaters={read: 50, never: 7, done: 3, other: 99},
                         committed={read: None, never: None, done: 3, other: None},
                         earliest={read: 0, never: 2, done: 0, other: 0})
    backlog = Backlog(consumer, ["feeds.a", "feeds.b", "feeds.c"], reset="earliest")
    behind = asyncio.run(backlog.behind([_record("feeds.a", 0, 10)]))
    assert behind == {"feeds.a:0", "feeds.b:0"}  # c committed at its end; internal not ours
    assert asyncio.run(backlog.behind([_record("feeds.a", 0, 49)])) == {"feeds.b:0"}
    assert consumer.earliest_calls == 1  # the first offsets are asked once


def test_a_revoked_partition_is_forgotten() -> None:
    tp = TP("feeds.a", 0)
    consumer: Any = _Consumer(highwaters={tp: 50}, committed={tp: None}, earliest={tp: 0})
    backlog = Backlog(consumer, ["feeds.a"], reset="earliest")
    asyncio.run(backlog.behind([_record("feeds.a", 0, 10)]))
    consumer._highwaters = {}
    assert asyncio.run(backlog.behind([])) == set()
    consumer._highwaters = {tp: 50}  # assigned again: starts from the committed offset
    consumer.committed = {tp: 50}
    assert asyncio.run(backlog.behind([])) == set()


def test_a_group_reading_from_the_end_holds_only_what_came_after_its_first_look() -> None:
    """``auto_offset_reset=latest``: a new group skips what the log held; it is not behind on
    it (the integration tests' workers start so)."""
    tp = TP("feeds.a", 0)
    consumer: Any = _Consumer(highwaters={tp: 500}, committed={tp: None}, earliest={tp: 0})
    backlog = Backlog(consumer, ["feeds.a"], reset="latest")
    assert asyncio.run(backlog.behind([])) == set()
    consumer._highwaters = {tp: 503}  # three new records
    assert asyncio.run(backlog.behind([])) == {"feeds.a:0"}
    assert asyncio.run(backlog.behind([_record("feeds.a", 0, 502)])) == set()
    assert consumer.earliest_calls == 0


def test_a_partition_not_fetched_yet_is_behind_by_its_end_offset_asked_once() -> None:
    """Before the consumer's first fetch of a partition its high watermark is unknown; the
    broker's end offset stands in, so a backlog there holds event time from the first batch
    (it used to be held only once fetched, and its first records came out late)."""
    waiting, empty = TP("feeds.a", 0), TP("feeds.a", 1)
    consumer: Any = _Consumer(highwaters={waiting: None, empty: None},
                              committed={waiting: None, empty: None},
                              earliest={waiting: 0, empty: 0}, ends={waiting: 40, empty: 0})
    backlog = Backlog(consumer, ["feeds.a"], reset="earliest")
    assert asyncio.run(backlog.behind([])) == {"feeds.a:0"}
    assert asyncio.run(backlog.behind([])) == {"feeds.a:0"}
    assert len(consumer.end_calls) == 1  # asked once, not per batch
    consumer._highwaters = {waiting: 45, empty: 0}  # fetched: the consumer's own figure
    assert asyncio.run(backlog.behind([_record("feeds.a", 0, 39)])) == {"feeds.a:0"}
    assert asyncio.run(backlog.behind([_record("feeds.a", 0, 44)])) == set()
