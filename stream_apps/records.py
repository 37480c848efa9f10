"""A consumed Kafka record as the stages see it (the raw value and where it came from), and a
record to send, with what to count once the broker has confirmed it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from stream_apps.dead_letters import RecordOrigin

SOURCE_HEADER = "fusion-source"  # "<topic>:<partition>" a valid event was first read from
SHARE_HEADER = "fusion-share"  # "primary" or "secondary" (rules.engine.partitioning)
LATE_PARTITION_HEADER = "fusion-late-in-partition"  # the correlation partition that refused it
APP_HEADER = "fusion-app"  # the FUSION_APP_ID of the worker that wrote an internal record
RECALL_HEADER = "fusion-recall-to"  # a recall revision's earlier recipients (leads/recall.py)


class Countable(Protocol):
    """A Prometheus counter (a labelled child or an unlabelled counter)."""

    def inc(self, amount: float = 1) -> None: ...


@dataclass(frozen=True, slots=True)
class InboundRecord:
    origin: RecordOrigin
    value: bytes | None
    source: str | None = None  # from SOURCE_HEADER, when the record carries one
    primary: bool = True  # False only for a "secondary" SHARE_HEADER
    app: str | None = None  # from APP_HEADER: the worker (app id) that wrote it, if known
    recall_to: str | None = None  # from RECALL_HEADER, on a recall or correction revision


@dataclass(frozen=True, slots=True)
class OutboundRecord:
    topic: str
    key: bytes
    value: bytes | None  # None: a tombstone (a deleted key of a compacted changelog)
    headers: tuple[tuple[str, bytes], ...] = ()
    partition: int | None = None  # None: the producer's partitioner picks by key
    # Incremented by one once the broker has confirmed this record (stream_apps/delivery.py),
    # so a metric counts only what was delivered.
    counts: tuple[Countable, ...] = ()

    @property
    def size(self) -> int:
        """Bytes of key, value and headers (the record's size on the wire, roughly)."""
        return len(self.key) + len(self.value or b"") + sum(
            len(name) + len(value) for name, value in self.headers)
