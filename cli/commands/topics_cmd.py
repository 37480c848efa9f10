"""``fusion topics create|list``: the topics in ``fusion.contract.topics``, on the broker."""

from __future__ import annotations

import argparse
from typing import Any

from adapters.kafka.access import kafka_access
from adapters.kafka.topics import create_topics
from fusion.contract import all_topics
from fusion.contract.principals import ADMIN
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
    created = create_topics(kafka_access(ConnectionSettings(), ADMIN))
    print(f"topics: {created} created, {len(all_topics()) - created} already there")
    return 0
