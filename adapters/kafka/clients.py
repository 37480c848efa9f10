"""Every kafka-python client of the project is opened here, authenticated as the principal of
its ``KafkaAccess`` (``access.py``); a broker that cannot be reached, or that refuses the
credentials, becomes the project's own ``DependencyUnavailableError`` (saying which broker,
which principal and what to do), not a kafka-python exception deep in a command.

The Faust worker's clients are Faust's own (``stream_apps/app.py``), given the same access.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import AuthorizationError, KafkaError, SaslAuthenticationFailedError

from adapters.kafka.access import KafkaAccess
from fusion.errors import AccessRefusedError, DependencyUnavailableError

START_HINT = "start it with 'make up' or deploy/kafka-start.sh"


def unavailable(access: KafkaAccess, exc: BaseException | None = None
                ) -> DependencyUnavailableError | AccessRefusedError:
    """The error for a broker that refused our principal (authentication or an ACL), or that
    did not answer, with kafka-python's reason."""
    if isinstance(exc, AuthorizationError | SaslAuthenticationFailedError):
        return AccessRefusedError("Kafka", access.bootstrap, access.username,
                                  f"{type(exc).__name__}: {exc}")
    reason = f"{exc} (as {access.username}); " if exc is not None else ""
    return DependencyUnavailableError("Kafka", access.bootstrap, reason + START_HINT)


def open_consumer(access: KafkaAccess, *, client_id: str, **config: Any) -> KafkaConsumer:
    """A consumer without a consumer group unless ``group_id`` is given, so it never moves
    anybody's committed offsets; auto-commit off."""
    config.setdefault("group_id", None)
    config.setdefault("enable_auto_commit", False)
    try:
        return KafkaConsumer(client_id=client_id, **access.kafka_python(), **config)
    except KafkaError as exc:
        raise unavailable(access, exc) from exc


def open_producer(access: KafkaAccess, *, client_id: str, **config: Any) -> KafkaProducer:
    """A producer that waits for every in-sync replica (``acks=all``) unless told otherwise."""
    config.setdefault("acks", "all")
    try:
        return KafkaProducer(client_id=client_id, **access.kafka_python(), **config)
    except KafkaError as exc:
        raise unavailable(access, exc) from exc


def send_one(access: KafkaAccess, topic: str, key: bytes, value: bytes | None, *,
             client_id: str, timeout: float = 30.0) -> None:
    """One record (None: a tombstone) on ``topic``, waited for until the broker has it; an
    unreachable or refusing broker raises as ``unavailable`` says. For the admin commands
    that set one key of a compacted record of record (subscriptions, escalation policies)."""
    producer = open_producer(access, client_id=client_id)
    try:
        producer.send(topic, key=key, value=value).get(timeout=timeout)
    except KafkaError as exc:
        raise unavailable(access, exc) from exc
    finally:
        producer.close()


def open_admin(access: KafkaAccess, *, client_id: str, **config: Any) -> KafkaAdminClient:
    try:
        return KafkaAdminClient(client_id=client_id, **access.kafka_python(), **config)
    except KafkaError as exc:
        raise unavailable(access, exc) from exc
