"""``fusion publish``: JSON Lines events from a file (or stdin) onto their feed topics."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import ValidationError

from adapters.kafka.access import kafka_access
from adapters.kafka.feed_publisher import FeedPublisher
from fusion.contract import EventEnvelope
from fusion.contract.principals import SIMULATOR
from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "publish", help="publish JSON Lines events on their feed topics",
        description="Validate each line as an event envelope and publish it on "
                    "feeds.<agency>.<feed>. Nothing is sent unless every line is valid.")
    parser.add_argument("file", type=argparse.FileType("r", encoding="utf-8"),
                        help="JSON Lines file, or - for stdin")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    events, errors = [], []
    for number, line in enumerate(args.file, start=1):
        if not line.strip():
            continue
        try:
            events.append(EventEnvelope.model_validate_json(line))
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                field = ".".join(str(p) for p in err["loc"]) or "(record)"
                errors.append(f"line {number}: {field}: {err['msg']}")
    if errors:
        print("\n".join(errors), file=sys.stderr)
        raise ConfigurationError(f"{len(errors)} problems; nothing was published")
    with FeedPublisher(kafka_access(ConnectionSettings(), SIMULATOR)) as publisher:
        report = publisher.publish(events)
    print(f"published {report.sent} events")
    return 0
