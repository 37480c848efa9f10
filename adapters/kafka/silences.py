"""Silences on their compacted topic (``control.silences``, the system of record, keyed by
silence id) and the chained record of every change (``audit.silences``).

``change_silence`` is the admin's (``fusion silences add|expire``, kafka-python): the silence
and its sealed change entry are written in ONE Kafka transaction, so no silence takes effect
without its entry and no entry records a change that did not happen. ``read_silences`` and
``read_changes`` are for listing and verifying. ``SilencesView`` is the dispatcher's: read up
to the end before each batch, like the subscriptions.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Literal

from kafka import TopicPartition
from kafka.errors import KafkaError
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer, open_producer, unavailable
from adapters.kafka.compacted_view import CompactedView
from adapters.kafka.ranges import read_range
from fusion.contract.silence import Silence, SilenceChange
from leads.audit_chain import ChainHead
from leads.silence_chain import seal_change
from leads.silencing import fold_silences

log = logging.getLogger(__name__)
SEND_TIMEOUT = 30.0


def _decode(value: bytes | None) -> Silence | None:
    if value is None:
        return None
    try:
        return Silence.model_validate_json(value)
    except ValidationError as exc:
        log.error("an unreadable silence record (%d problems): treated as removed",
                  exc.error_count())
        return None


def _read(access: KafkaAccess, topic: str) -> list[tuple[bytes | None, bytes | None]]:
    consumer = open_consumer(access, client_id="fusion-silences",
                             isolation_level="read_committed")
    try:
        if not consumer.partitions_for_topic(topic):
            return []
        tp = TopicPartition(topic, 0)
        start = dict(consumer.beginning_offsets([tp]))
        return [(r.key, r.value) for r in read_range(consumer, start)]
    finally:
        consumer.close()


def read_silences(access: KafkaAccess, topic: str) -> dict[str, Silence]:
    return fold_silences((k, _decode(v)) for k, v in _read(access, topic))


def read_changes(access: KafkaAccess, audit_topic: str) -> list[SilenceChange | None]:
    """Every change entry in order (None for a record that is not one)."""
    out: list[SilenceChange | None] = []
    for _, value in _read(access, audit_topic):
        try:
            out.append(SilenceChange.model_validate_json(value or b""))
        except ValidationError:
            out.append(None)
    return out


def change_silence(access: KafkaAccess, *, topic: str, audit_topic: str, silence: Silence,
                   action: Literal["added", "expired"], by: str, at: dt.datetime,
                   audit_key: bytes) -> SilenceChange:
    """Write ``silence`` and its change entry, chained to the last one, atomically."""
    changes = read_changes(access, audit_topic)
    last = next((c for c in reversed(changes) if c is not None), None)
    head = ChainHead(last.seq + 1, last.mac) if last is not None else ChainHead()
    entry, _ = seal_change({"action": action, "by": by, "at": at, "silence": silence},
                           head, audit_key)
    producer = open_producer(access, client_id="fusion-silences",
                             transactional_id=f"fusion-silences-{audit_topic}",
                             enable_idempotence=True)
    try:
        producer.init_transactions()
        producer.begin_transaction()
        producer.send(topic, key=silence.silence_id.encode(),
                      value=silence.model_dump_json().encode())
        producer.send(audit_topic, key=silence.silence_id.encode(),
                      value=entry.model_dump_json().encode())
        producer.commit_transaction()
    except KafkaError as exc:
        raise unavailable(access, exc) from exc
    finally:
        producer.close(timeout=SEND_TIMEOUT)
    return entry


class SilencesView:
    """The dispatcher's current set of silences (active or not: activity is decided at
    routing time on the wall clock)."""

    def __init__(self, access: KafkaAccess, topic: str) -> None:
        self._view = CompactedView(access, topic, client_id="fusion-dispatch-silences")
        self._current: tuple[Silence, ...] = ()

    async def current(self) -> tuple[Silence, ...]:
        records = await self._view.records()
        if self._view.changed:
            folded = fold_silences((k, _decode(v)) for k, v in records.items())
            self._current = tuple(sorted(folded.values(), key=lambda s: s.silence_id))
            self._view.changed = False
        return self._current

    async def close(self) -> None:
        await self._view.close()
