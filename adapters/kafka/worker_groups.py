"""A worker group's place on the broker: where a new group starts reading, and what a
throw-away group (``fusion evaluate``'s own worker) leaves behind to remove."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from kafka import TopicPartition
from kafka.errors import KafkaError
from kafka.structs import OffsetAndMetadata

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_admin, open_consumer
from fusion.contract.principals import intake_group


def start_group_at_end(access: KafkaAccess, group: str, topics: Sequence[str]) -> None:
    """Commit the current end of ``topics`` for ``group``, so a new worker of that group reads
    only what is written from now on (the feeds and internal topics hold others' records)."""
    consumer = open_consumer(access, client_id=f"{group}-start", group_id=group)
    try:
        partitions = [TopicPartition(topic, p) for topic in topics
                      for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(end, "", -1) for tp, end in ends.items()})
    finally:
        consumer.close()


def remove_worker_group(access: KafkaAccess, app_id: str, *, also: Sequence[str] = ()
                        ) -> list[str]:
    """Delete what a stopped worker of ``app_id`` made for itself: its Faust topics
    (``<app_id>-...``: the table's changelog, the assignor's), the topics of ``also`` (its own
    subscriptions, audit, watchlist record) and its consumer group. Best effort: returns the
    topics deleted."""
    admin = open_admin(access, client_id=f"{app_id}-cleanup")
    try:
        present = set(admin.list_topics())
        own = sorted(t for t in present if t.startswith(f"{app_id}-") or t in set(also))
        with contextlib.suppress(KafkaError):
            if own:
                admin.delete_topics(own)
        with contextlib.suppress(KafkaError):
            admin.delete_groups([app_id, intake_group(app_id)])
        return own
    finally:
        admin.close()
