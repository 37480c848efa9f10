"""``fusion topics create|list``: the topics in ``fusion.contract.topics``, on the broker."""

from __future__ import annotations

import argparse
import contextlib
from typing import Any

from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaTimeoutError, TopicAlreadyExistsError

from fusion.contract import all_topics
from fusion.errors import DependencyUnavailableError
from fusion.settings import ConnectionSettings


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "topics", help="create or list the Kafka topics",
        description="Create every topic the system uses (existing ones are left alone), "
                    "or list them with partitions and settings.")
    parser.add_argument("action", choices=["create", "list"])
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    if args.action == "list":
        for spec in all_topics():
            settings = " ".join(f"{k}={v}" for k, v in sorted(spec.config.items()))
            print(f"{spec.name}\tpartitions={spec.partitions}\t{settings}")
        return 0
    created = create_topics(ConnectionSettings().kafka_bootstrap)
    print(f"topics: {created} created, {len(all_topics()) - created} already there")
    return 0


def create_topics(bootstrap: str) -> int:
    """Create the missing topics; returns how many were created."""
    try:
        admin = KafkaAdminClient(bootstrap_servers=bootstrap, client_id="fusion-topics")
    except KafkaTimeoutError as exc:
        raise DependencyUnavailableError("Kafka", bootstrap, "start it with 'make up'") from exc
    try:
        existing = set(admin.list_topics())
        missing = [NewTopic(s.name, s.partitions, 1, topic_configs=s.config)
                   for s in all_topics() if s.name not in existing]
        if missing:
            # Created meanwhile by another caller: the goal is met all the same.
            with contextlib.suppress(TopicAlreadyExistsError):
                admin.create_topics(missing)
        return len(missing)
    finally:
        admin.close()
