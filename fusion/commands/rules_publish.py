"""``fusion rules publish``: send the catalogue to running workers (hot reload)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import socket
from pathlib import Path
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError

from fusion.contract import RULE_SETS_TOPIC
from fusion.errors import ConfigurationError, DependencyUnavailableError
from fusion.settings import ConnectionSettings
from rules.lint import lint
from rules.loader import load_catalogue
from rules.published import RULE_SET_KEY, encode_rule_set

EXAMPLE = """example:
  fusion rules lint && fusion rules test && fusion rules publish
  # every running worker logs "now running rule set <digest>" within a second or two;
  # leads from then on name the new rule versions in rule_hits.
"""


def register(actions: Any) -> None:
    parser = actions.add_parser(
        "publish", help="hot-reload: send the catalogue to every running worker",
        description="Lint the catalogue and, if it has no errors, publish it as one record on "
                    "the compacted control topic. Running workers swap to it without a "
                    "restart, keeping the windows of rules that stay; a starting worker takes "
                    "the latest published rule set before its own rules folder.",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", type=Path, default=Path("rules/catalogue"),
                        help="catalogue folder (default rules/catalogue)")
    parser.add_argument("--topic", default=RULE_SETS_TOPIC,
                        help=f"control topic (default {RULE_SETS_TOPIC})")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    ruleset = load_catalogue(args.path)
    errors = [p for p in lint(ruleset) if p.severity == "error"]
    if errors:
        for problem in errors:
            print(problem)
        raise ConfigurationError(f"{len(errors)} lint errors; nothing was published")
    source = f"{args.path} by {getpass.getuser()}@{socket.gethostname()}"
    value = encode_rule_set(ruleset, now=dt.datetime.now(dt.UTC), source=source)
    bootstrap = ConnectionSettings().kafka_bootstrap
    try:
        producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
    except KafkaError as exc:
        raise DependencyUnavailableError("Kafka", bootstrap, "start it with 'make up'") from exc
    try:
        producer.send(args.topic, key=RULE_SET_KEY, value=value).get(timeout=30)
    finally:
        producer.close()
    print(f"published rule set {ruleset.digest[:12]} ({len(ruleset.rules)} rules) on {args.topic}")
    return 0
