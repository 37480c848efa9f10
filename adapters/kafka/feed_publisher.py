"""Publishes events on their feed topics with kafka-python: idempotent, ``acks=all``, keyed by
the strongest entity key so every event about one entity lands in one partition, in order.
Delivery errors are collected and raised, never dropped."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from kafka.errors import KafkaError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_producer
from fusion.contract import EventEnvelope, feed_topic
from fusion.errors import PublishError
from fusion.resolution.keys import entity_keys


def partition_key(event: EventEnvelope) -> str:
    """The first entity key of the event, else the event's own key."""
    for entity in event.entities:
        keys = entity_keys(entity)
        if keys:
            return keys[0]
    return event.key


@dataclass
class PublishReport:
    sent: int = 0
    failed: dict[str, str] = field(default_factory=dict)


class FeedPublisher:
    def __init__(self, access: KafkaAccess, *, client_id: str = "fusion-producer") -> None:
        self._producer = open_producer(access, client_id=client_id, acks="all",
                                       enable_idempotence=True, linger_ms=5,
                                       compression_type=None)

    def publish(self, events: Iterable[EventEnvelope]) -> PublishReport:
        """Send ``events`` and wait until the broker has them all; raise if any failed."""
        report = PublishReport()
        pending: list[tuple[str, Any]] = []
        for event in events:
            try:
                future = self._producer.send(
                    feed_topic(event.agency, event.feed),
                    key=partition_key(event).encode(),
                    value=event.model_dump_json().encode(),
                )
            except KafkaError as exc:  # refused before sending, e.g. larger than max_request_size
                report.failed[event.key] = str(exc)
                continue
            pending.append((event.key, future))
        self._producer.flush()
        for key, future in pending:
            try:
                future.get(timeout=30)
                report.sent += 1
            except KafkaError as exc:
                report.failed[key] = str(exc)
        if report.failed:
            first = next(iter(report.failed.items()))
            raise PublishError(
                f"{len(report.failed)} of {report.sent + len(report.failed)} events were not "
                f"delivered (first: {first[0]}: {first[1]})")
        return report

    def close(self) -> None:
        self._producer.close(timeout=10)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
