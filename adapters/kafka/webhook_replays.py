"""The admin's side of webhook dead letters and replays (kafka-python): every dead letter on
``webhooks.dlq``, and replay requests written to ``webhooks.replays`` for the sender, which
delivers each again under its original webhook-id (a receiver that got it dedupes)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from kafka import TopicPartition
from kafka.errors import KafkaError
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer, open_producer, unavailable
from adapters.kafka.ranges import read_range
from fusion.contract.topics import WebhookTopics
from fusion.contract.webhooks import DeliveryDeadLetter, DeliveryReceipt, ReplayRequest

log = logging.getLogger(__name__)
SEND_TIMEOUT = 30.0


def _read(access: KafkaAccess, topic: str) -> list[tuple[int, bytes | None]]:
    consumer = open_consumer(access, client_id="fusion-webhooks-admin",
                             isolation_level="read_committed")
    try:
        tp = TopicPartition(topic, 0)
        if not consumer.partitions_for_topic(topic):
            return []
        start = dict(consumer.beginning_offsets([tp]))
        return [(r.offset, r.value) for r in read_range(consumer, start)]
    finally:
        consumer.close()


def read_dead_letters(access: KafkaAccess, topics: WebhookTopics) -> list[DeliveryDeadLetter]:
    out = []
    for offset, value in _read(access, topics.dead_letters):
        try:
            out.append(DeliveryDeadLetter.model_validate_json(value or b""))
        except ValidationError:
            log.error("%s offset %d is no delivery dead letter: skipped", topics.dead_letters,
                      offset)
    return out


def read_receipts(access: KafkaAccess, topics: WebhookTopics
                  ) -> list[tuple[int, DeliveryReceipt | None]]:
    """Every receipt in offset order (None: an unreadable record), for ``check``."""
    out: list[tuple[int, DeliveryReceipt | None]] = []
    for offset, value in _read(access, topics.receipts):
        try:
            out.append((offset, DeliveryReceipt.model_validate_json(value or b"")))
        except ValidationError:
            out.append((offset, None))
    return out


def request_replays(access: KafkaAccess, topics: WebhookTopics,
                    requests: Sequence[ReplayRequest]) -> None:
    producer = open_producer(access, client_id="fusion-webhooks-admin")
    try:
        futures = [producer.send(topics.replays, key=r.dead_letter.lead_id.encode(),
                                 value=r.model_dump_json().encode()) for r in requests]
        for future in futures:
            future.get(timeout=SEND_TIMEOUT)
    except KafkaError as exc:
        raise unavailable(access, exc) from exc
    finally:
        producer.close()
