"""A consumed Kafka record as the stages see it: the raw value and where it came from."""

from __future__ import annotations

from dataclasses import dataclass

from stream_apps.dead_letters import RecordOrigin

SOURCE_HEADER = "fusion-source"  # "<topic>:<partition>" a valid event was first read from
SHARE_HEADER = "fusion-share"  # "primary" or "secondary" (rules.engine.partitioning)
LATE_PARTITION_HEADER = "fusion-late-in-partition"  # the correlation partition that refused it


@dataclass(frozen=True, slots=True)
class InboundRecord:
    origin: RecordOrigin
    value: bytes | None
    source: str | None = None  # from SOURCE_HEADER, when the record carries one
    primary: bool = True  # False only for a "secondary" SHARE_HEADER


@dataclass(frozen=True, slots=True)
class OutboundRecord:
    topic: str
    key: bytes
    value: bytes | None  # None: a tombstone (a deleted key of a compacted changelog)
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int | None = None  # None: the producer's partitioner picks by key
