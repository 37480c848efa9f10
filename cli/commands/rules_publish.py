"""``fusion rules publish``: send the catalogue to running workers (hot reload)."""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import socket
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess, kafka_access
from adapters.kafka.rule_sets import latest_rule_set_record, publish_rule_set_record
from fusion.contract import RULE_SETS_TOPIC
from fusion.contract.principals import ADMIN
from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings
from rules.lint import lint
from rules.loader import load_catalogue
from rules.published import RULE_SET_KEY, decode_rule_set, encode_rule_set

EXAMPLE = """example:
  fusion rules lint && fusion rules test && fusion rules publish
  # prints "published rule set <digest> ..."; every running worker logs
  # "now running rule set <digest>" within a second or two, and leads from then on name
  # the new rule versions in rule_hits. An unchanged catalogue is not sent again: the
  # command says which rule set the workers already run (--force sends it anyway).
"""


def register(actions: Any) -> None:
    parser = actions.add_parser(
        "publish", help="hot-reload: send the catalogue to every running worker",
        description="Lint the catalogue and, if it has no errors, publish it as one record\n"
                    "on the compacted control topic. Running workers swap to it without a\n"
                    "restart, keeping the windows of rules that stay; a starting worker takes\n"
                    "the latest published rule set before its own rules folder.",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("path", nargs="?", type=Path, default=Path("rules/catalogue"),
                        help="catalogue folder (default rules/catalogue)")
    parser.add_argument("--topic", default=RULE_SETS_TOPIC,
                        help=f"control topic (default {RULE_SETS_TOPIC})")
    parser.add_argument("--force", action="store_true",
                        help="publish even if the latest published rule set is the same")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    ruleset = load_catalogue(args.path)
    errors = [p for p in lint(ruleset) if p.severity == "error"]
    if errors:
        for problem in errors:
            print(problem)
        raise ConfigurationError(f"{len(errors)} lint errors; nothing was published")
    access = kafka_access(ConnectionSettings(), ADMIN)
    current = _published_digest(access, args.topic)
    if current == ruleset.digest and not args.force:
        print(f"rule set {ruleset.digest[:12]} ({len(ruleset.rules)} rules) is already the "
              f"latest on {args.topic}: running workers run it; nothing sent "
              "(--force sends it again)")
        return 0
    source = f"{args.path} by {getpass.getuser()}@{socket.gethostname()}"
    value = encode_rule_set(ruleset, now=dt.datetime.now(dt.UTC), source=source)
    offset = publish_rule_set_record(access, args.topic, key=RULE_SET_KEY, value=value)
    before = f"replacing {current[:12]}" if current else "the first one published"
    print(f"published rule set {ruleset.digest[:12]} ({len(ruleset.rules)} rules) on "
          f"{args.topic} at offset {offset}, {before}; running workers log "
          f"'now running rule set {ruleset.digest[:12]}'")
    return 0


def _published_digest(access: KafkaAccess, topic: str) -> str | None:
    raw = latest_rule_set_record(access, topic)
    if raw is None:
        return None
    try:
        return decode_rule_set(raw)[0].digest
    except (ValidationError, ConfigurationError):
        return None  # unreadable: publishing a good one replaces it
