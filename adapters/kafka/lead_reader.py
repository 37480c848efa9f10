"""Reading an agency's lead topic (``leads.<agency>``) without a consumer group, so it never
moves a partner's committed offsets: what is retained there (from a time on), or what
arrives from now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer
from adapters.kafka.ranges import partitions_of, read_range, start_offsets
from fusion.contract import Agency, lead_topic


@dataclass(frozen=True, slots=True)
class LeadRecord:
    """One record of a lead topic: when the broker stored it, where, and its bytes."""

    written_at: dt.datetime
    partition: int
    offset: int
    value: bytes


class LeadReader:
    def __init__(self, access: KafkaAccess, agency: Agency) -> None:
        self.topic = lead_topic(agency)
        # The dispatcher writes lead copies in transactions: only committed ones are real.
        self._consumer = open_consumer(access, client_id="fusion-leads",
                                       isolation_level="read_committed")
        self._partitions = partitions_of(self._consumer, [self.topic])

    def retained(self, since: dt.datetime | None) -> Iterator[LeadRecord]:
        """Every record written at or after ``since`` (all retained if None) up to the end
        of the topic as it is now, each partition in order."""
        start = start_offsets(self._consumer, self._partitions, since)
        for record in read_range(self._consumer, start):
            yield _lead_record(record)

    def follow(self, *, from_beginning: bool) -> Iterator[LeadRecord]:
        """Records as they arrive, until the caller stops; from the oldest retained one if
        ``from_beginning``."""
        consumer = self._consumer
        consumer.assign(self._partitions)
        if from_beginning:
            consumer.seek_to_beginning(*self._partitions)
        else:
            consumer.seek_to_end(*self._partitions)
        for record in consumer:
            yield _lead_record(record)

    def close(self) -> None:
        self._consumer.close()


def _lead_record(record: Any) -> LeadRecord:
    """kafka-python's ``ConsumerRecord`` as the project's own type."""
    return LeadRecord(written_at=dt.datetime.fromtimestamp(record.timestamp / 1000, dt.UTC),
                      partition=record.partition, offset=record.offset,
                      value=record.value or b"")
