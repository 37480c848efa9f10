"""The compacted control topic of published rule sets (``control.rule-sets``): publishing one
record, and reading the latest one back (a starting worker, ``fusion rules publish``)."""

from __future__ import annotations

from kafka import TopicPartition
from kafka.errors import KafkaError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer, open_producer, unavailable

SEND_TIMEOUT = 30.0


def latest_rule_set_record(access: KafkaAccess, topic: str) -> bytes | None:
    """The value of the newest record on ``topic`` (partition 0, the only one), or None when
    the topic is missing or empty."""
    consumer = open_consumer(access, client_id="fusion-rule-sets", consumer_timeout_ms=5000)
    try:
        if not consumer.partitions_for_topic(topic):
            return None
        tp = TopicPartition(topic, 0)
        consumer.assign([tp])
        end = consumer.end_offsets([tp])[tp]
        if end == 0:
            return None
        consumer.seek(tp, end - 1)
        for message in consumer:
            value: bytes | None = message.value
            return value
        return None
    finally:
        consumer.close()


def publish_rule_set_record(access: KafkaAccess, topic: str, *, key: bytes, value: bytes) -> int:
    """Send one record and wait until the broker has it (``acks=all``); its offset."""
    producer = open_producer(access, client_id="fusion-rules-publish")
    try:
        metadata = producer.send(topic, key=key, value=value).get(timeout=SEND_TIMEOUT)
    except KafkaError as exc:
        raise unavailable(access, exc) from exc
    finally:
        producer.close()
    offset: int = metadata.offset
    return offset
