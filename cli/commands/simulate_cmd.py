"""``fusion simulate``: simulated agency traffic on the feed topics, or in files."""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import signal
import threading
from pathlib import Path
from typing import Any

from cli.commands.arguments import aware_time
from fusion.errors import ConfigurationError


def register(commands: Any) -> None:
    simulate = commands.add_parser(
        "simulate", help="publish simulated agency traffic (or write it to files)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="""Publish simulated agency traffic on the feed topics, or write it to files.

Scenarios:
  simple    a seeded watchlist, then vehicle crossings at the paired ports, a few of them
            watchlisted vehicles (the default when publishing to Kafka).
  corridor  every feed of the corridor: crossings with daily and weekly cycles per port,
            plate-reader networks in the transit zones, ground sensors per corridor segment,
            seizures, bulk cash, passenger info, e-seals, rail imaging, traces, tips; names in
            Spanish and English forms as real feeds write them. Every rule of the catalogue
            is planted once per chunk of 5000 events, with fresh entities, and each planted
            pattern is recorded in a ground truth (JSON Lines: rule, event ids, group key,
            expected recipients, due_by = event time by which the lead should exist). The
            default with --out.

Event time starts at --start and runs on simulated time (about 120 background events per
simulated hour), so a day of corridor traffic takes about 3000 events. Same --seed and
--start give byte-identical files.""",
        epilog="""examples:
  fusion simulate                                  simple traffic to Kafka, 20/s, until Ctrl-C
  fusion simulate --scenario corridor --rate 50 --ground-truth gt.jsonl
  fusion simulate --out /tmp/corridor --events 20000 --start 2026-03-02T00:00:00Z
      writes /tmp/corridor/events.jsonl (publish order, one envelope per line) and
      /tmp/corridor/ground-truth.jsonl, as fast as it can; publish later with
      'fusion publish /tmp/corridor/events.jsonl'""")
    simulate.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    simulate.add_argument("--scenario", choices=("simple", "corridor"), default=None,
                          help="simple or corridor (default: simple to Kafka, corridor with "
                               "--out)")
    simulate.add_argument("--rate", type=float, default=20.0,
                          help="events per second of wall time to Kafka (default 20)")
    simulate.add_argument("--duration", type=float, default=None,
                          help="seconds to run (default: until Ctrl-C); with --out, converted "
                               "to --rate x duration events")
    simulate.add_argument("--events", type=int, default=None, metavar="N",
                          help="stop after N events (corridor; with --out the default is "
                               "5000)")
    simulate.add_argument("--start", type=aware_time, default=None, metavar="ISO",
                          help="event time of the start, e.g. 2026-03-02T06:00:00Z (default: "
                               "now, rounded down to the hour)")
    simulate.add_argument("--out", type=Path, default=None, metavar="DIR",
                          help="write events.jsonl and ground-truth.jsonl to DIR instead of "
                               "publishing")
    simulate.add_argument("--ground-truth", type=Path, default=None, metavar="FILE",
                          help="corridor to Kafka: append the ground truth to FILE as the "
                               "patterns are delivered")
    simulate.add_argument("--lateness", type=float, default=600.0, metavar="SECONDS",
                          help="the worker's allowed lateness, added to due_by (default 600, "
                               "FUSION_ALLOWED_LATENESS)")
    simulate.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from producers.scenario import CorridorScenario, default_start, write_scenario
    from producers.simulator import SimulatorSettings, run_corridor, run_simulator

    if args.rate <= 0:
        raise ConfigurationError("--rate must be above 0")
    if args.events is not None and args.events <= 0:
        raise ConfigurationError("--events must be above 0")
    scenario = args.scenario or ("corridor" if args.out else "simple")
    if scenario == "simple" and (args.out or args.events or args.ground_truth or args.start):
        raise ConfigurationError(
            "--out, --events, --start and --ground-truth need --scenario corridor")
    total = args.events
    if total is None and args.duration is not None:
        total = max(1, int(args.rate * args.duration))
    if scenario == "corridor":
        corridor = CorridorScenario(args.seed, start=args.start or default_start(),
                                    lateness=dt.timedelta(seconds=args.lateness))
        if args.out:
            events, truths = write_scenario(args.out, corridor, total or 5000)
            print(f"wrote {events} events to {args.out / 'events.jsonl'} and {truths} "
                  f"ground-truth records to {args.out / 'ground-truth.jsonl'}")
            return 0
    stop = threading.Event()  # SIGTERM (make down, demo's Ctrl-C) ends it like Ctrl-C does
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        if scenario == "corridor":
            run_corridor(SimulatorSettings(), corridor, rate=args.rate, total=total,
                         ground_truth=args.ground_truth, stop=stop)
        else:
            run_simulator(SimulatorSettings(), seed=args.seed, rate=args.rate,
                          duration=args.duration, stop=stop)
    return 0
