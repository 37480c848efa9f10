"""Control records on the correlation topic: how event time reaches every partition.

An event is sent only to the partitions owning its keys, so a partition may see no event of
a busy source for a long time and could not tell "that source is quiet" from "that source
has nothing for my keys". As Flink broadcasts watermarks to every downstream channel, the
intake sends, after each batch, one *progress* record to every correlation partition with the
highest event time it read from each source partition in that batch, and which of those
sources it has not read to the end (a source with a backlog is never idle, however long the
worker takes to get back to it: otherwise a worker that falls behind marks the events of
the partitions it reads last as late). It follows that batch's
event shares on the same partition, so a partition never hears of a time before the events
of that time have reached it.

A *tick* (from the worker's timer, to every partition) says only that wall time has passed:
when nothing at all comes in, event time moves on by the idle time so absences still close.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from typing import NamedTuple

from fusion.contract import CORRELATION_PARTITIONS, CORRELATION_TOPIC
from stream_apps.records import OutboundRecord

TICK_KEY = b"tick"
PROGRESS_KEY = b"progress"


def tick_record() -> tuple[bytes, bytes]:
    """The key and value of a tick: 'nothing else to say, but time has passed'."""
    return TICK_KEY, json.dumps({"tick": True}).encode()


class Progress(NamedTuple):
    sources: dict[str, float]
    """Source -> the highest event time the intake read from it in the batch (seconds)."""
    behind: frozenset[str]
    """Sources with records the intake has not processed yet (``backlog``)."""
    at: float | None
    """The intake's wall time when it wrote the record (None: an older record without it):
    a "behind" report holds from then, so one replayed after its worker died has run out."""


def progress_records(sources: Mapping[str, float], behind: Collection[str] = (), *,
                     at: float, partitions: int = CORRELATION_PARTITIONS
                     ) -> list[OutboundRecord]:
    """One progress record per correlation partition: ``{"sources": {source: event time},
    "behind": [source, ...], "at": wall time}`` (times in seconds since the epoch); none when
    nothing was read."""
    if not sources:
        return []
    value = json.dumps({"sources": dict(sources), "behind": sorted(behind), "at": at},
                       sort_keys=True).encode()
    return [OutboundRecord(CORRELATION_TOPIC, PROGRESS_KEY, value, partition=p)
            for p in range(partitions)]


def read_progress(value: bytes | None) -> Progress:
    """A progress record's content (empty for a malformed one)."""
    try:
        doc = json.loads(value or b"{}")
        sources = {str(k): float(v) for k, v in doc.get("sources", {}).items()}
        at = doc.get("at")
        return Progress(sources, frozenset(str(s) for s in doc.get("behind", ())),
                        None if at is None else float(at))
    except (ValueError, AttributeError, TypeError):
        return Progress({}, frozenset(), None)
