"""``fusion leads tail AGENCY``: follow the leads an agency receives, one line each."""

from __future__ import annotations

import argparse
from typing import Any

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaTimeoutError
from pydantic import ValidationError

from fusion.contract import Agency, Lead, lead_topic
from fusion.errors import DependencyUnavailableError
from fusion.settings import ConnectionSettings


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "leads", help="follow the leads an agency receives",
        description="Print each lead arriving on leads.<agency>: time, priority, score, id "
                    "and title (or the whole JSON with --json). Reads without a consumer "
                    "group, so it never moves a partner's committed offsets.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    tail = actions.add_parser("tail", help="print leads as they arrive, until Ctrl-C")
    tail.add_argument("agency", type=lambda s: Agency(s.upper()), help="agency code, e.g. HSI")
    tail.add_argument("--from-beginning", action="store_true",
                      help="start with the oldest retained lead instead of new ones")
    tail.add_argument("--json", action="store_true", help="print each lead's JSON")
    tail.add_argument("--max", type=int, default=None, help="stop after this many leads")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    bootstrap = ConnectionSettings().kafka_bootstrap
    try:
        consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    except KafkaTimeoutError as exc:
        raise DependencyUnavailableError("Kafka", bootstrap, "start it with 'make up'") from exc
    topic = lead_topic(args.agency)
    partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic))]
    consumer.assign(partitions)
    if args.from_beginning:
        consumer.seek_to_beginning(*partitions)
    else:
        consumer.seek_to_end(*partitions)
    shown = 0
    try:
        for message in consumer:
            print(_line(message.value, as_json=args.json), flush=True)
            shown += 1
            if args.max is not None and shown >= args.max:
                break
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
    return 0


def _line(value: bytes, *, as_json: bool) -> str:
    if as_json:
        return value.decode(errors="replace")
    try:
        lead = Lead.model_validate_json(value)
    except ValidationError as exc:
        return f"(undecodable lead: {exc.error_count()} problems)"
    return (f"{lead.generated_at:%Y-%m-%dT%H:%M:%SZ} {lead.priority.value:9} "
            f"{lead.score:5.1f} {lead.lead_id} r{lead.revision} {lead.title}")
