"""Webhook endpoints on their compacted topics, the system of record: the endpoints
(``control.webhook-endpoints``: URL, agency, secrets; keyed by endpoint id; a tombstone
when removed; written only by the admin) and their enabled state
(``webhooks.endpoint-states``; written by the admin and by the sender on a 410).

``put_endpoint`` / ``remove_endpoint`` / ``put_state`` / ``read_endpoints`` are the admin's
(kafka-python, ``fusion webhooks``). ``EndpointsView`` is the sender's (aiokafka): each
``current()`` reads both topics up to their end offsets as they are then.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError as AIOKafkaError
from aiokafka.structs import TopicPartition as AIOTopicPartition
from kafka import TopicPartition
from kafka.errors import KafkaError
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_admin, open_consumer, open_producer, unavailable
from adapters.kafka.ranges import read_range
from fusion.contract.topics import WebhookTopics
from fusion.contract.webhooks import EndpointState, WebhookEndpoint
from fusion.errors import AccessRefusedError, DependencyUnavailableError

log = logging.getLogger(__name__)
SEND_TIMEOUT = 30.0
READ_TIMEOUT = 30.0
Records = Iterable[tuple[bytes | None, bytes | None]]


@dataclass(frozen=True, slots=True)
class Endpoint:
    """An endpoint as the topics leave it: its record and whether it receives."""

    endpoint: WebhookEndpoint
    state: EndpointState | None

    @property
    def enabled(self) -> bool:
        return self.state is None or self.state.enabled

    @property
    def endpoint_id(self) -> str:
        return self.endpoint.endpoint_id


def _send(access: KafkaAccess, topic: str, key: str, value: bytes | None) -> None:
    producer = open_producer(access, client_id="fusion-webhooks-admin")
    try:
        producer.send(topic, key=key.encode(), value=value).get(timeout=SEND_TIMEOUT)
    except KafkaError as exc:
        raise unavailable(access, exc) from exc
    finally:
        producer.close()


def put_endpoint(access: KafkaAccess, topics: WebhookTopics, endpoint: WebhookEndpoint) -> None:
    _send(access, topics.endpoints, endpoint.endpoint_id, endpoint.model_dump_json().encode())


def remove_endpoint(access: KafkaAccess, topics: WebhookTopics, endpoint_id: str, *,
                    group: str) -> None:
    """Tombstones for the endpoint and its state, and its queue's consumer group deleted
    (an endpoint added again under the same id starts from its new creation time, not
    where the old one stopped). A group still in use (the sender has not seen the removal
    yet) is left; the sender stops its queue within a refresh."""
    _send(access, topics.endpoints, endpoint_id, None)
    _send(access, topics.states, endpoint_id, None)
    admin = open_admin(access, client_id="fusion-webhooks-admin")
    try:
        for name, error in admin.delete_groups([group]) or ():
            if getattr(error, "errno", None) not in (None, 0):
                log.info("the consumer group %s was not deleted: %s", name, error)
    except (KafkaError, ValueError) as exc:
        log.info("the consumer group %s was not deleted: %s", group, exc)
    finally:
        admin.close()


def put_state(access: KafkaAccess, topics: WebhookTopics, state: EndpointState) -> None:
    _send(access, topics.states, state.endpoint_id, state.model_dump_json().encode())


def fold_endpoints(records: Records) -> dict[str, WebhookEndpoint]:
    """The last record per endpoint id wins; a tombstone removes; an unreadable record, or
    one keyed by another id, removes that endpoint too (never deliver on a record nobody
    can read)."""
    current: dict[str, WebhookEndpoint] = {}
    for key, value in records:
        name = (key or b"").decode(errors="replace")
        if value is None:
            current.pop(name, None)
            continue
        try:
            endpoint = WebhookEndpoint.model_validate_json(value)
        except ValidationError as exc:
            log.error("the webhook endpoint record of %r is unreadable (%d problems): "
                      "treated as removed", name, exc.error_count())
            current.pop(name, None)
            continue
        if endpoint.endpoint_id != name:
            log.error("the endpoint record keyed %r is %r's: treated as removed", name,
                      endpoint.endpoint_id)
            current.pop(name, None)
            continue
        current[name] = endpoint
    return current


def _unreadable(endpoint_id: str) -> EndpointState:
    return EndpointState.model_construct(
        endpoint_id=endpoint_id, enabled=False, reason="unreadable state record",
        changed_at=dt.datetime.min.replace(tzinfo=dt.UTC), changed_by="?")


def fold_states(records: Records) -> dict[str, EndpointState]:
    """The last state per endpoint; an unreadable one disables (fail closed)."""
    current: dict[str, EndpointState] = {}
    for key, value in records:
        name = (key or b"").decode(errors="replace")
        if value is None:
            current.pop(name, None)
            continue
        try:
            current[name] = EndpointState.model_validate_json(value)
        except ValidationError:
            log.error("the state record of endpoint %r is unreadable: treated as disabled",
                      name)
            current[name] = _unreadable(name)
    return current


def combine(endpoints: dict[str, WebhookEndpoint],
            states: dict[str, EndpointState]) -> tuple[Endpoint, ...]:
    return tuple(Endpoint(e, states.get(i)) for i, e in sorted(endpoints.items()))


def _read_all(access: KafkaAccess, topic: str) -> list[tuple[bytes | None, bytes | None]]:
    consumer = open_consumer(access, client_id="fusion-webhooks-admin")
    try:
        if not consumer.partitions_for_topic(topic):
            raise AccessRefusedError(
                "Kafka", access.bootstrap, access.username,
                f"{topic} is not there for it: no such topic ('fusion topics create' makes "
                "it) or no right to see it (the admin manages webhooks)")
        tp = TopicPartition(topic, 0)
        start = dict(consumer.beginning_offsets([tp]))
        return [(r.key, r.value) for r in read_range(consumer, start)]
    finally:
        consumer.close()


def read_endpoints(access: KafkaAccess, topics: WebhookTopics) -> tuple[Endpoint, ...]:
    return combine(fold_endpoints(_read_all(access, topics.endpoints)),
                   fold_states(_read_all(access, topics.states)))


class EndpointsView:
    """The sender's copy of both topics, read up to their end offsets on each call."""

    def __init__(self, access: KafkaAccess, topics: WebhookTopics) -> None:
        self._access = access
        self._tps = (AIOTopicPartition(topics.endpoints, 0), AIOTopicPartition(topics.states, 0))
        self._consumer: Any = None
        # the latest record per key and topic (what compaction leaves), folded on each call
        self._latest: dict[str, dict[bytes | None, bytes]] = {tp.topic: {} for tp in self._tps}

    async def _started(self) -> Any:
        if self._consumer is None:
            consumer = AIOKafkaConsumer(**self._access.kafka_python(), group_id=None,
                                        enable_auto_commit=False,
                                        isolation_level="read_committed",
                                        client_id="fusion-webhooks-endpoints")
            try:
                await consumer.start()
                consumer.assign(list(self._tps))
                await consumer.seek_to_beginning(*self._tps)
            except AIOKafkaError as exc:
                await consumer.stop()
                raise DependencyUnavailableError(
                    "Kafka", self._access.bootstrap,
                    f"cannot read the webhook endpoints as {self._access.username}: {exc}"
                ) from exc
            self._consumer = consumer
        return self._consumer

    async def current(self) -> tuple[Endpoint, ...]:
        consumer = await self._started()
        try:
            ends = await consumer.end_offsets(list(self._tps))
            deadline = asyncio.get_running_loop().time() + READ_TIMEOUT
            for tp in self._tps:
                # an empty fetch may still move the position on: past a transaction's
                # marker (the sender writes the states topic in its transactions)
                while await consumer.position(tp) < ends[tp]:
                    if asyncio.get_running_loop().time() > deadline:
                        raise DependencyUnavailableError(
                            "Kafka", self._access.bootstrap,
                            f"{tp.topic} could not be read to offset {ends[tp]}")
                    batch = await consumer.getmany(tp, timeout_ms=500)
                    latest = self._latest[tp.topic]
                    for records in batch.values():
                        for r in records:
                            if r.value is None:
                                latest.pop(r.key, None)
                            else:
                                latest[r.key] = r.value
        except AIOKafkaError as exc:
            raise DependencyUnavailableError(
                "Kafka", self._access.bootstrap, f"reading the webhook endpoints: {exc}"
            ) from exc
        endpoints_tp, states_tp = self._tps
        endpoints = fold_endpoints(self._latest[endpoints_tp.topic].items())
        states = fold_states(self._latest[states_tp.topic].items())
        return combine(endpoints, states)

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
            self._consumer = None
