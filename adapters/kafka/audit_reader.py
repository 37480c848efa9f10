"""Reading the dissemination audit back (``fusion audit``): every committed record of every
partition (one chain each), in offset order, as the admin; readers never see an aborted
transaction's entries (``isolation_level=read_committed``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer
from adapters.kafka.ranges import partitions_of, read_range, start_offsets
from fusion.contract.audit import AuditEntry


@dataclass(frozen=True, slots=True)
class AuditRecord:
    partition: int
    offset: int
    entry: AuditEntry | None  # None: the record is not an audit entry at all
    written_at: dt.datetime


def read_audit(access: KafkaAccess, topic: str, *, since: dt.datetime | None = None
               ) -> Iterator[AuditRecord]:
    """Every record of ``topic`` up to its end now (from ``since`` when given), partition
    by partition, each in offset order."""
    consumer = open_consumer(access, client_id="fusion-audit",
                             isolation_level="read_committed")
    try:
        partitions = partitions_of(consumer, [topic])
        for tp in partitions:
            start = start_offsets(consumer, [tp], since)
            for record in read_range(consumer, start):
                yield AuditRecord(record.partition, record.offset, _entry(record.value),
                                  dt.datetime.fromtimestamp(record.timestamp / 1000, dt.UTC))
    finally:
        consumer.close()


def _entry(value: bytes | None) -> AuditEntry | None:
    try:
        return AuditEntry.model_validate_json(value or b"")
    except ValidationError:
        return None
