"""The admin's side of retention review (kafka-python, group-less, read_committed): the
review records on ``audit.retention-reviews``, and which records of given leads each store
still holds (every topic keyed by ``lead_id``: the candidate leads, every agency's lead
topic, the triage actions, the webhook dead letters and replays)."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence

from kafka.errors import KafkaError
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer, open_producer, unavailable
from adapters.kafka.ranges import partitions_of, read_range, start_offsets
from fusion.contract.retention import RetentionReview

log = logging.getLogger(__name__)
SEND_TIMEOUT = 30.0


def _records(access: KafkaAccess, topic: str) -> Iterable[tuple[bytes | None, bytes | None]]:
    consumer = open_consumer(access, client_id="fusion-retention",
                             isolation_level="read_committed")
    try:
        partitions = partitions_of(consumer, [topic])
        if partitions:
            for record in read_range(consumer, start_offsets(consumer, partitions, None)):
                yield record.key, record.value
    finally:
        consumer.close()


def read_reviews(access: KafkaAccess, topic: str) -> list[RetentionReview]:
    out = []
    for _, value in _records(access, topic):
        try:
            out.append(RetentionReview.model_validate_json(value or b""))
        except ValidationError:
            log.error("an unreadable record on %s: skipped", topic)
    return out


def put_reviews(access: KafkaAccess, topic: str, reviews: Sequence[RetentionReview]) -> None:
    producer = open_producer(access, client_id="fusion-retention")
    try:
        futures = [producer.send(topic, key=r.lead_id.encode(),
                                 value=r.model_dump_json().encode()) for r in reviews]
        for future in futures:
            future.get(timeout=SEND_TIMEOUT)
    except KafkaError as exc:
        raise unavailable(access, exc) from exc
    finally:
        producer.close()


def holdings(access: KafkaAccess, topics: Sequence[str], lead_ids: set[str]
             ) -> dict[str, Counter[str]]:
    """Per topic, how many records of each of ``lead_ids`` it holds now (by record key)."""
    out: dict[str, Counter[str]] = {}
    for topic in topics:
        found: Counter[str] = Counter()
        for key, _ in _records(access, topic):
            lead = (key or b"").decode(errors="replace")
            if lead in lead_ids:
                found[lead] += 1
        out[topic] = found
    return out
