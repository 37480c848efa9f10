"""``fusion``: one command line for operators, analysts and developers.

    fusion topics create|list        the Kafka topics the system uses
    fusion schemas write|check       JSON Schemas of the wire contract in docs/schemas/
    fusion subscriptions ...         which agencies receive leads (stored in Redis)
    fusion publish FILE              publish JSON Lines events on their feed topics
    fusion import FILE --agency A    import a JSON Lines or CSV file of events (resumable)
    fusion ingest serve|add-key      HTTP ingest endpoint for partners without Kafka, API keys
    fusion leads tail AGENCY         follow the leads an agency receives
    fusion rules lint|test|backtest|publish    check the rule catalogue and run its tests
    fusion worker                    run the stream worker (intake and dispatch)
    fusion simulate                  publish simulated agency traffic

Every connection setting comes from FUSION_* environment variables (see README.md).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Sequence

from fusion.commands import (
    import_cmd,
    ingest_cmd,
    leads_cmd,
    publish_cmd,
    rules_cmd,
    schemas_cmd,
    subscriptions_cmd,
    topics_cmd,
)
from fusion.errors import FusionError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="fusion", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    topics_cmd.register(commands)
    schemas_cmd.register(commands)
    subscriptions_cmd.register(commands)
    publish_cmd.register(commands)
    import_cmd.register(commands)
    ingest_cmd.register(commands)
    leads_cmd.register(commands)
    rules_cmd.register(commands)

    worker = commands.add_parser(
        "worker", help="run the Faust stream worker",
        description="Run the intake and dispatch agents until Ctrl-C. Settings: FUSION_* "
                    "variables, e.g. FUSION_WEB_PORT (metrics at http://HOST:PORT/metrics).")
    worker.set_defaults(handler=_worker)

    simulate = commands.add_parser(
        "simulate", help="publish simulated crossings and a watchlist",
        description="Publish a seeded watchlist, then vehicle crossings at the paired ports, "
                    "a few of them watchlisted vehicles. Same seed, same traffic.")
    simulate.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    simulate.add_argument("--rate", type=float, default=20.0,
                          help="crossings per second (default 20)")
    simulate.add_argument("--duration", type=float, default=None,
                          help="seconds to run (default: until Ctrl-C)")
    simulate.set_defaults(handler=_simulate)
    return parser


def _worker(args: argparse.Namespace) -> int:
    from stream_apps.settings import WorkerSettings
    from stream_apps.worker import run_worker

    return run_worker(WorkerSettings())


def _simulate(args: argparse.Namespace) -> int:
    from producers.simulator import SimulatorSettings, run_simulator

    if args.rate <= 0:
        raise FusionError("--rate must be above 0")
    stop = threading.Event()  # SIGTERM (make down, demo's Ctrl-C) ends it like Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        run_simulator(SimulatorSettings(), seed=args.seed, rate=args.rate,
                      duration=args.duration, stop=stop)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("kafka").setLevel(logging.WARNING)
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except FusionError as exc:
        print(f"fusion {args.command}: {exc}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
