"""Reading a bounded range of a topic with a group-less kafka-python consumer: the partitions
of some topics, where to start (the log's start, or the first record written at or after a
time), and every record from there to the end offsets as they were when the read began."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from kafka import TopicPartition

from fusion.errors import DependencyUnavailableError

READ_TIMEOUT = 120.0  # seconds without a record while the broker says more are there
POLL_MS = 500


def partitions_of(consumer: Any, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of ``topics`` the broker knows (an unknown topic has none)."""
    return [TopicPartition(t, p) for t in topics
            for p in sorted(consumer.partitions_for_topic(t) or ())]


def start_offsets(consumer: Any, partitions: list[TopicPartition],
                  since: dt.datetime | None) -> dict[TopicPartition, int]:
    """Where a read from ``since`` starts in each partition: the first record written at or
    after it (the log end if none is), or the log's start when ``since`` is None."""
    if not partitions:
        return {}
    if since is None:
        return dict(consumer.beginning_offsets(partitions))
    ends: dict[TopicPartition, int] = consumer.end_offsets(partitions)
    found = consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in partitions})
    return {tp: ends[tp] if found.get(tp) is None else found[tp].offset for tp in partitions}


def read_range(consumer: Any, start: dict[TopicPartition, int], *,
               end: dict[TopicPartition, int] | None = None, timeout: float = READ_TIMEOUT,
               progress: Callable[[int, int], None] | None = None,
               stop: Callable[[], bool] = lambda: False) -> Iterator[Any]:
    """Every record from ``start`` to ``end`` (default: the end offsets at the time of the
    call), each partition in offset order. ``progress(read, total)`` is called after each
    fetch; ``stop()`` ends the read early (checked after each record). Raises
    ``DependencyUnavailableError`` if no record arrives for ``timeout`` seconds while the
    range is not read to its end."""
    if end is None:
        end = dict(consumer.end_offsets(list(start))) if start else {}
    todo = {tp: offset for tp, offset in start.items() if offset < end[tp]}
    total = sum(end[tp] - offset for tp, offset in todo.items())
    done = 0
    if not todo:
        if progress is not None:
            progress(0, 0)
        return
    consumer.assign(list(todo))
    consumer.resume(*todo)
    for partition, offset in todo.items():
        consumer.seek(partition, offset)
    deadline = time.monotonic() + timeout
    while todo:
        if time.monotonic() > deadline:
            raise DependencyUnavailableError(
                "Kafka", ", ".join(sorted({tp.topic for tp in todo})),
                f"no record for {timeout:g}s before the end offsets were reached")
        for partition, records in consumer.poll(timeout_ms=POLL_MS).items():
            if records:
                deadline = time.monotonic() + timeout
            for record in records:
                if partition in todo and record.offset < end[partition]:
                    done += 1
                    yield record
                    if stop():
                        return
        for partition in [tp for tp in todo if consumer.position(tp) >= end[tp]]:
            del todo[partition]
            consumer.pause(partition)
        if progress is not None:
            progress(done, total)
