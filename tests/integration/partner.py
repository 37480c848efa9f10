"""The independent Kafka client of the end-to-end tests: confluent-kafka (its bundled,
current librdkafka), authenticated as one principal, the way a partner agency's own client
connects. Debian's kcat 1.7.1 (librdkafka 2.0.2) cannot: it sends a SCRAM nonce that Kafka
>= 3.8.1 refuses (librdkafka PR #4895)."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from confluent_kafka import Consumer, KafkaError, KafkaException, Producer, TopicPartition

from adapters.kafka.access import KafkaAccess
from fusion.contract.principals import agency_of

TIMEOUT = 30.0


@dataclass(frozen=True)
class Message:
    topic: str
    partition: int
    offset: int
    key: str | None
    payload: str | None
    headers: tuple[tuple[str, str], ...] = ()

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)

    def json(self) -> Any:
        return json.loads(self.payload or "null")


class RefusedError(Exception):
    """The broker refused the client: authentication or authorisation."""


def _config(access: KafkaAccess, errors: list[str] | None = None) -> dict[str, Any]:
    """librdkafka's own logging off: the client's errors (a refused login above all) are the
    tests' to see, collected through ``error_cb`` into ``errors``."""
    sink = errors if errors is not None else []
    return {**access.librdkafka(), "log_level": 0,
            "error_cb": lambda error: sink.append(error.str())}


def _group(access: KafkaAccess) -> str:
    agency = agency_of(access.username)
    return f"agency-{agency.slug}-test" if agency is not None else "fusion-worker-test-reader"


def consumer(access: KafkaAccess) -> Consumer:
    return Consumer({**_config(access), "group.id": _group(access),
                     "enable.auto.commit": False, "enable.partition.eof": True,
                     "auto.offset.reset": "error"})


def produce(access: KafkaAccess, topic: str, records: list[tuple[str, str | bytes]]) -> None:
    """Publish ``(key, value)`` records and wait until the broker has each; raises
    ``RefusedError`` naming the broker's reason when it refuses them."""
    errors: list[KafkaError] = []
    client_errors: list[str] = []

    def delivered(error: KafkaError | None, _message: Any) -> None:
        if error is not None:
            errors.append(error)

    # murmur2: the partitioner of the Java client, aiokafka and kafka-python, so a key lands
    # where the project's own producers would put it (librdkafka's default is CRC32).
    producer = Producer({**_config(access, client_errors), "acks": "all",
                         "message.timeout.ms": 10000, "partitioner": "murmur2_random"})
    for key, value in records:
        producer.produce(topic, key=key, value=value, on_delivery=delivered)
    left = producer.flush(TIMEOUT)
    if errors or left:
        reasons = [*(e.str() for e in errors[:1]), *client_errors[:1]]
        raise RefusedError(f"{access.username} -> {topic}: {'; '.join(reasons) or left}")


def partitions(access: KafkaAccess, topic: str) -> list[int]:
    c = consumer(access)
    try:
        metadata = c.list_topics(topic, timeout=TIMEOUT).topics[topic]
        if metadata.error is not None:
            raise RefusedError(f"{access.username} may not describe {topic}: {metadata.error}")
        return sorted(metadata.partitions)
    finally:
        c.close()


def end_offsets(access: KafkaAccess, topic: str) -> dict[int, int]:
    """Partition -> next offset to be written."""
    c = consumer(access)
    try:
        return {p: c.get_watermark_offsets(TopicPartition(topic, p), timeout=TIMEOUT)[1]
                for p in partitions(access, topic)}
    except KafkaException as exc:
        raise RefusedError(f"{access.username} on {topic}: {exc}") from exc
    finally:
        c.close()


def read(access: KafkaAccess, topic: str, start: dict[int, int], *, count: int | None = None,
         timeout: float = TIMEOUT) -> list[Message]:
    """Messages from ``start`` offsets: up to the current end of each partition, or, with
    ``count``, until that many arrived (waiting up to ``timeout`` seconds for them)."""
    partitions(access, topic)  # the broker says first whether we may see the topic at all
    c = consumer(access)
    out: list[Message] = []
    try:
        c.assign([TopicPartition(topic, p, o) for p, o in start.items()])
        at_end: set[int] = set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if count is None and at_end >= set(start):
                break
            if count is not None and len(out) >= count:
                break
            message = c.poll(0.2)
            if message is None:
                continue
            error = message.error()
            if error is not None:
                if error.code() == KafkaError._PARTITION_EOF:
                    at_end.add(message.partition())
                    continue
                raise RefusedError(f"{access.username} reading {topic}: {error.str()}")
            at_end.discard(message.partition())
            out.append(_message(message))
        else:
            if count is not None:
                raise TimeoutError(f"{len(out)} of {count} messages on {topic} in {timeout}s")
        return out
    finally:
        c.close()


def read_to_end(access: KafkaAccess, topic: str, start: dict[int, int]) -> list[Message]:
    return read(access, topic, start)


def read_one(access: KafkaAccess, topic: str, partition: int, offset: int) -> Message:
    (message,) = read(access, topic, {partition: offset}, count=1)
    return message


def _message(raw: Any) -> Message:
    key, value = raw.key(), raw.value()
    headers = tuple((name, (v or b"").decode()) for name, v in (raw.headers() or ()))
    return Message(raw.topic(), raw.partition(), raw.offset(),
                   key.decode() if key is not None else None,
                   value.decode(errors="replace") if value is not None else None, headers)

