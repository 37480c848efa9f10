"""``fusion subscriptions``: which agencies receive leads, kept in Redis."""

from __future__ import annotations

import argparse
import asyncio
from typing import Any

from adapters.redis.client import connect_redis
from adapters.redis.subscription_store import SubscriptionStore
from cli.commands.arguments import agency_argument
from fusion.contract import Priority
from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings
from leads.subscriptions import DEMO_SUBSCRIBERS, Subscription


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "subscriptions", help="list, set or remove lead subscriptions",
        description="An agency receives a lead on leads.<agency> only if it subscribes here "
                    "AND the lead's handling releases it to that agency.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("list", help="show every subscription")
    put = actions.add_parser("set", help="add or replace one agency's subscription")
    put.add_argument("agency", type=agency_argument, help="agency code, e.g. CBP-OFO")
    put.add_argument("--min-priority", type=Priority, default=Priority.ROUTINE,
                     choices=list(Priority), help="least urgent priority to receive")
    put.add_argument("--category", action="append", dest="categories",
                     help="lead category to receive (repeat; default: all)")
    put.add_argument("--disabled", action="store_true", help="keep it but send nothing")
    remove = actions.add_parser("remove", help="delete one agency's subscription")
    remove.add_argument("agency", type=agency_argument)
    actions.add_parser("seed-demo", help="subscribe the demo agencies to everything")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    return asyncio.run(_run(args))


async def _run(args: argparse.Namespace) -> int:
    settings = ConnectionSettings()
    client = await connect_redis(settings.redis_url)
    store = SubscriptionStore(client, prefix=settings.redis_prefix)
    try:
        if args.action == "set":
            await store.put(Subscription(
                agency=args.agency, enabled=not args.disabled, min_priority=args.min_priority,
                categories=frozenset(args.categories) if args.categories else None))
        elif args.action == "remove":
            if not await store.remove(args.agency):
                raise ConfigurationError(f"{args.agency.value} has no subscription")
        elif args.action == "seed-demo":
            for agency in DEMO_SUBSCRIBERS:
                await store.put(Subscription(agency=agency))
        for sub in await store.all():
            cats = ",".join(sorted(sub.categories)) if sub.categories else "all"
            state = "enabled" if sub.enabled else "disabled"
            print(f"{sub.agency.value:8} {state:8} "
                  f"min={sub.min_priority.value:9} categories={cats}")
    finally:
        await client.aclose()
    return 0
