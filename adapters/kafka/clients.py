"""Every kafka-python client of the project is opened here: the connection settings are in
one place, and a broker that cannot be reached becomes the project's own
``DependencyUnavailableError`` (saying which broker and what to do), not a kafka-python
exception deep in a command.

The Faust worker's clients are Faust's own (``stream_apps/app.py``); the bench opens its own.
"""

from __future__ import annotations

from typing import Any

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer
from kafka.errors import KafkaError

from fusion.errors import DependencyUnavailableError

START_HINT = "start it with 'make up' or deploy/kafka-start.sh"


def unavailable(bootstrap: str, exc: BaseException | None = None) -> DependencyUnavailableError:
    """The error for a broker that did not answer, with kafka-python's reason if any."""
    reason = f"{exc}; " if exc is not None else ""
    return DependencyUnavailableError("Kafka", bootstrap, reason + START_HINT)


def open_consumer(bootstrap: str, *, client_id: str, **config: Any) -> KafkaConsumer:
    """A consumer without a consumer group unless ``group_id`` is given, so it never moves
    anybody's committed offsets; auto-commit off."""
    config.setdefault("group_id", None)
    config.setdefault("enable_auto_commit", False)
    try:
        return KafkaConsumer(bootstrap_servers=bootstrap, client_id=client_id, **config)
    except KafkaError as exc:
        raise unavailable(bootstrap, exc) from exc


def open_producer(bootstrap: str, *, client_id: str, **config: Any) -> KafkaProducer:
    """A producer that waits for every in-sync replica (``acks=all``) unless told otherwise."""
    config.setdefault("acks", "all")
    try:
        return KafkaProducer(bootstrap_servers=bootstrap, client_id=client_id, **config)
    except KafkaError as exc:
        raise unavailable(bootstrap, exc) from exc


def open_admin(bootstrap: str, *, client_id: str, **config: Any) -> KafkaAdminClient:
    try:
        return KafkaAdminClient(bootstrap_servers=bootstrap, client_id=client_id, **config)
    except KafkaError as exc:
        raise unavailable(bootstrap, exc) from exc
