"""The topics of ``fusion.contract.topics`` on the broker: created when missing, checked
when present, and waited for until every partition has a serving leader."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence

from kafka import KafkaAdminClient, KafkaConsumer, TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_admin, open_consumer
from fusion.contract import TopicSpec, all_topics
from fusion.errors import ConfigurationError, DependencyUnavailableError

LEADER_TIMEOUT = 30.0


def create_topics(access: KafkaAccess, wanted: Sequence[TopicSpec] | None = None) -> int:
    """Create the missing topics of ``wanted`` (default: every topic of the contract) and wait
    until every partition of them has a leader (so the first send does not fail); returns
    how many were created. A topic that exists with fewer partitions than the contract says
    is an error: keys would land elsewhere."""
    admin = open_admin(access, client_id="fusion-topics")
    try:
        specs = {s.name: s for s in (all_topics() if wanted is None else wanted)}
        existing = set(admin.list_topics())
        _check_partitions(admin, [specs[name] for name in sorted(existing & specs.keys())])
        missing = [NewTopic(s.name, s.partitions, 1, topic_configs=s.config)
                   for s in specs.values() if s.name not in existing]
        if missing:
            # Created meanwhile by another caller: the goal is met all the same.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(missing)
            _wait_for_leaders(admin, [t.name for t in missing], access)
        return len(missing)
    finally:
        admin.close()


def _check_partitions(admin: KafkaAdminClient, specs: list[TopicSpec]) -> None:
    if not specs:
        return
    described = admin.describe_topics([s.name for s in specs])
    found = {t["name"]: len(t["partitions"]) for t in described}
    wrong = [f"{s.name} has {found[s.name]} partition(s), the contract says {s.partitions}"
             for s in specs if s.name in found and found[s.name] != s.partitions]
    if wrong:
        raise ConfigurationError(
            "; ".join(wrong) + ". Keys would reach the wrong partition's state: reset the "
            "local stack (deploy/reset.sh deletes its Kafka and Redis data) or recreate "
            "these topics.")


def _wait_for_leaders(admin: KafkaAdminClient, names: list[str], access: KafkaAccess
                      ) -> None:
    """Until every partition of ``names`` answers an offset query: the controller names
    leaders first, the broker serves the partitions a few seconds later (4.5 s for 110 new
    topics here), and a send or an offset query before that fails with NotLeader."""
    deadline = time.monotonic() + LEADER_TIMEOUT
    consumer = open_consumer(access, client_id="fusion-topics", request_timeout_ms=5000)
    try:
        while not _serving(admin, consumer, names):
            if time.monotonic() > deadline:
                raise DependencyUnavailableError(
                    "Kafka", access.bootstrap, f"new topics have no serving partition leader after "
                    f"{LEADER_TIMEOUT:.0f}s; see the broker's log")
            time.sleep(0.2)  # polling the broker for the condition above
    finally:
        consumer.close()


def _serving(admin: KafkaAdminClient, consumer: KafkaConsumer, names: list[str]) -> bool:
    topics = admin.describe_topics(names)
    if not all(t["error_code"] == 0 and t["partitions"] and all(
            p["error_code"] == 0 and p["leader_id"] >= 0 for p in t["partitions"])
            for t in topics):
        return False
    partitions = [TopicPartition(t["name"], p["partition_index"])
                  for t in topics for p in t["partitions"]]
    try:
        consumer.end_offsets(partitions)
    except KafkaError:
        return False
    return True
