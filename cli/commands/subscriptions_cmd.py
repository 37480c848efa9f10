"""``fusion subscriptions``: which agencies receive leads, on the compacted topic
``control.subscriptions`` (the system of record the dispatcher routes by), as the admin."""

from __future__ import annotations

import argparse
from typing import Any

from adapters.kafka.access import kafka_access
from adapters.kafka.subscriptions import put_subscription, read_subscriptions, remove_subscription
from cli.commands.arguments import agency_argument
from fusion.contract import SUBSCRIPTIONS_TOPIC, Priority
from fusion.contract.principals import ADMIN
from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings
from leads.subscriptions import DEMO_SUBSCRIBERS, Subscription


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "subscriptions", help="list, set or remove lead subscriptions",
        description="An agency receives a lead on leads.<agency> only if it subscribes here\n"
                    "AND the lead's handling releases it to that agency. Subscriptions live\n"
                    f"on the compacted topic {SUBSCRIPTIONS_TOPIC}; running workers route by\n"
                    "the change from their next batch on.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topic", default=SUBSCRIPTIONS_TOPIC,
                        help=f"subscriptions topic (default {SUBSCRIPTIONS_TOPIC})")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="show every subscription")
    put = actions.add_parser("set", help="add or replace one agency's subscription")
    put.add_argument("agency", type=agency_argument, help="agency code, e.g. CBP-OFO")
    put.add_argument("--min-priority", type=Priority, default=Priority.ROUTINE,
                     choices=list(Priority), help="least urgent priority to receive")
    put.add_argument("--category", action="append", dest="categories",
                     help="lead category to receive (repeat; default: all)")
    put.add_argument("--disabled", action="store_true", help="keep it but send nothing")
    put.add_argument("--group-interval", type=float, default=60, metavar="SECONDS",
                     help="after a copy of a lead, hold later revisions with material news "
                          "(a new rule, evidence from a new agency) this long and send the "
                          "latest (default 60; 0 sends each at once)")
    put.add_argument("--repeat-interval", type=float, default=3600, metavar="SECONDS",
                     help="hold revisions with nothing material this long after the last "
                          "copy (default 3600); a rising priority always goes at once")
    remove = actions.add_parser("remove", help="delete one agency's subscription")
    remove.add_argument("agency", type=agency_argument)
    actions.add_parser("seed-demo", help="subscribe the demo agencies to everything")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    access = kafka_access(ConnectionSettings(), ADMIN)
    if args.action == "set":
        put_subscription(access, args.topic, Subscription(
            agency=args.agency, enabled=not args.disabled, min_priority=args.min_priority,
            categories=frozenset(args.categories) if args.categories else None,
            group_interval=args.group_interval, repeat_interval=args.repeat_interval))
    elif args.action == "remove":
        if args.agency not in {s.agency for s in read_subscriptions(access, args.topic)}:
            raise ConfigurationError(f"{args.agency.value} has no subscription")
        remove_subscription(access, args.topic, args.agency)
    elif args.action == "seed-demo":
        for agency in DEMO_SUBSCRIBERS:
            put_subscription(access, args.topic, Subscription(agency=agency))
    for sub in read_subscriptions(access, args.topic):
        cats = ",".join(sorted(sub.categories)) if sub.categories else "all"
        state = "enabled" if sub.enabled else "disabled"
        print(f"{sub.agency.value:8} {state:8} min={sub.min_priority.value:9} categories={cats}"
              f" group={sub.group_interval:g}s repeat={sub.repeat_interval:g}s")
    return 0
