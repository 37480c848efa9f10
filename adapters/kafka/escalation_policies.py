"""Escalation policies on their compacted topic (``control.escalation``), the system of
record: one record per agency, keyed by its code, an ``EscalationPolicy`` or a tombstone
(back to ``default_policy``). ``put_policy`` / ``remove_policy`` / ``read_policies`` are the
admin's (``fusion escalation``); the escalation service folds the same records with
``fold_policies`` as it reads them."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from kafka import TopicPartition
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer, send_one
from adapters.kafka.ranges import read_range
from fusion.contract import Agency
from fusion.contract.escalation import EscalationPolicy

log = logging.getLogger(__name__)
SEND_TIMEOUT = 30.0


def _send(access: KafkaAccess, topic: str, agency: Agency, value: bytes | None) -> None:
    send_one(access, topic, agency.value.encode(), value, client_id="fusion-escalation-policies",
             timeout=SEND_TIMEOUT)


def put_policy(access: KafkaAccess, topic: str, policy: EscalationPolicy) -> None:
    _send(access, topic, policy.agency, policy.model_dump_json().encode())


def remove_policy(access: KafkaAccess, topic: str, agency: Agency) -> None:
    _send(access, topic, agency, None)


def fold_policies(records: Iterable[tuple[bytes | None, bytes | None]]
                  ) -> dict[Agency, EscalationPolicy]:
    """The policies a sequence of (key, value) records leaves: the last per agency wins, a
    tombstone removes. An unreadable record, or one keyed for another agency, removes that
    agency's policy (it falls back to the default chain, which still escalates)."""
    current: dict[Agency, EscalationPolicy] = {}
    for key, value in records:
        try:
            agency = Agency((key or b"").decode())
        except ValueError:
            log.error("ignoring an escalation policy keyed %r: not an agency code", key)
            continue
        current.pop(agency, None)
        if value is None:
            continue
        try:
            policy = EscalationPolicy.model_validate_json(value)
        except ValidationError as exc:
            log.error("the escalation policy of %s is unreadable (%d problems): the default "
                      "chain applies", agency.value, exc.error_count())
            continue
        if policy.agency is agency:
            current[agency] = policy
        else:
            log.error("the escalation policy keyed %s is %s's: the default chain applies",
                      agency.value, policy.agency.value)
    return current


def read_policies(access: KafkaAccess, topic: str) -> dict[Agency, EscalationPolicy]:
    consumer = open_consumer(access, client_id="fusion-escalation-policies")
    try:
        if not consumer.partitions_for_topic(topic):
            return {}
        tp = TopicPartition(topic, 0)
        start = dict(consumer.beginning_offsets([tp]))
        return fold_policies((r.key, r.value) for r in read_range(consumer, start))
    finally:
        consumer.close()
