"""``fusion rules backtest``: replay retained feed topics through a candidate rule set and
report the lead differences against the current one. The Kafka reader is
``adapters/kafka/feed_history.py``; the replay and comparison are pure (``leads/backtest.py``)."""

from __future__ import annotations

import argparse
import datetime as dt
import fnmatch
import importlib
import importlib.util
import json
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from adapters.kafka.access import kafka_access
from adapters.kafka.feed_history import FeedRead, Progress, read_feed_topics
from cli.commands.arguments import since_argument
from fusion.contract import feed_topics
from fusion.contract.principals import ADMIN
from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings
from leads.backtest import BacktestDiff, LeadSummary, compare, replay
from rules.loader import RuleSet, load_catalogue
from rules.problems import RuleFileError

DEFAULT_CATALOGUE = Path("rules/catalogue")

DEFAULT_MAX_EVENTS = 1_000_000
SHOWN_LEADS = 20

BACKTEST_EXAMPLES = """\
Example: would raising a threshold lose leads of the last 7 days?
  mkdir -p /tmp/candidate && cp -r rules/catalogue/. /tmp/candidate/
  sed -i 's/^count: 3/count: 4/' /tmp/candidate/cash/bulk-cash-structuring.yaml
  fusion rules backtest --candidate /tmp/candidate --since 7d

  fusion rules backtest --candidate /tmp/candidate --topics 'feeds.*.bulk-cash' --json

The events are read once, without a consumer group (no offsets are committed), up to the
end of each partition as it was when the command started, and replayed in event-time order
through a fresh engine per rule set. Watchlist conditions see an empty watchlist. Exit 0
whether or not the leads differ; 2 on bad arguments, a rule set that does not load, or no
broker.
"""


def register(actions: Any) -> None:
    parser = actions.add_parser(
        "backtest", help="replay retained feed topics through a candidate rule set",
        description=textwrap.fill(
            "Read the events retained on the feed topics, run them through the current and "
            "the candidate rule set, and report the leads each would make: totals, a table "
            "per rule (current, candidate, lost, new), then up to 20 lost and 20 new leads "
            "with their titles. Lead ids depend on the rule id and the evidence only, so the "
            "same activity is matched across the two sets. Needs the Kafka broker of "
            "FUSION_KAFKA_BOOTSTRAP.", width=88),
        epilog=BACKTEST_EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--candidate", type=Path, required=True, metavar="PATH",
                        help="catalogue folder of the candidate rules (with its aliases.yaml)")
    parser.add_argument("--current", type=Path, default=DEFAULT_CATALOGUE, metavar="PATH",
                        help=f"catalogue folder of the current rules (default {DEFAULT_CATALOGUE})")
    parser.add_argument("--since", type=since_argument, default=None, metavar="ISO|DURATION",
                        help="only records written to Kafka at or after this time: "
                             "2026-11-20T14:00:00Z, or a duration back from now such as 7d, "
                             "12h, 30m (default: everything retained)")
    parser.add_argument("--max-events", type=int, default=DEFAULT_MAX_EVENTS, metavar="N",
                        help="stop after N valid events (all are held in memory to be sorted "
                             f"by event time, a few KB each; default {DEFAULT_MAX_EVENTS:,})")
    parser.add_argument("--topics", default="feeds.*", metavar="PATTERN",
                        help="shell pattern over the feed topic names (default 'feeds.*')")
    parser.add_argument("--json", action="store_true",
                        help="print the whole comparison as one JSON document")
    parser.set_defaults(handler=run_backtest)


def run_backtest(args: argparse.Namespace) -> int:
    if args.max_events < 1:
        raise ConfigurationError("--max-events must be at least 1")
    current, candidate = _ruleset(args.current, "--current"), _ruleset(args.candidate,
                                                                     "--candidate")
    topics = [t for t in feed_topics() if fnmatch.fnmatchcase(t, args.topics)]
    if not topics:
        raise ConfigurationError(f"--topics {args.topics!r} matches no feed topic "
                                 "(they are named feeds.<agency>.<feed>)")
    access = kafka_access(ConnectionSettings(), ADMIN)
    with progress_reporter(sys.stderr) as progress:
        read = read_feed_topics(access, topics, since=args.since,
                                max_events=args.max_events, progress=progress)
    diff = compare(replay(read.events, current), replay(read.events, candidate),
                   rule_ids=[r.id for r in (*current.rules, *candidate.rules)])
    if args.json:
        print(json.dumps({"current": {"path": str(args.current), "digest": current.digest},
                          "candidate": {"path": str(args.candidate),
                                        "digest": candidate.digest},
                          "since": args.since.isoformat() if args.since else None,
                          "topics": read.topics, "records": read.records,
                          "events": len(read.events), "invalid": read.invalid,
                          "truncated": read.truncated, **diff.to_json()}, indent=2))
    else:
        print("\n".join(report_lines(read, diff, current=args.current,
                                     candidate=args.candidate, since=args.since)))
    return 0


def _ruleset(path: Path, option: str) -> RuleSet:
    if not path.is_dir():
        raise ConfigurationError(f"{option} {path}: not a catalogue folder")
    try:
        return load_catalogue(path)
    except RuleFileError as exc:
        raise ConfigurationError(f"{option} {path} does not load (run 'fusion rules lint "
                                 f"{path}'):\n{exc}") from exc


def report_lines(read: FeedRead, diff: BacktestDiff, *, current: Path, candidate: Path,
                 since: dt.datetime | None) -> list[str]:
    invalid = sum(read.invalid.values())
    reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(read.invalid.items()))
    lines = [
        f"Backtest: current {current} vs candidate {candidate}",
        f"Read {read.records} records from {len(read.topics)} feed topics"
        f"{f' since {since.isoformat()}' if since else ''}: {len(read.events)} events replayed, "
        f"{invalid} invalid skipped{f' ({reasons})' if reasons else ''}",
    ]
    if read.truncated:
        lines.append(f"WARNING: stopped at --max-events {len(read.events)} before the end of "
                     "the topics: the replay is partial; narrow --since or --topics")
    same = len(diff.same)
    lines += [f"Leads: current {same + len(diff.lost)}, candidate {same + len(diff.new)}, "
              f"lost {len(diff.lost)}, new {len(diff.new)}, same {same}", ""]
    width = max([len("RULE"), *(len(r.rule_id) for r in diff.rules)])
    lines.append(f"{'RULE':<{width}}  CURRENT  CANDIDATE  LOST  NEW")
    lines += [f"{r.rule_id:<{width}}  {r.current:>7}  {r.candidate:>9}  {r.lost:>4}  {r.new:>3}"
              for r in diff.rules]
    for name, leads in (("Lost", diff.lost), ("New", diff.new)):
        if leads:
            shown = f" (first {SHOWN_LEADS})" if len(leads) > SHOWN_LEADS else ""
            lines += ["", f"{name} leads{shown}:"]
            lines += [_lead_line(s) for s in leads[:SHOWN_LEADS]]
    if not diff.changed:
        lines += ["", "No differences: the candidate makes the same leads."]
    return lines


def _lead_line(lead: LeadSummary) -> str:
    return (f"  {lead.first_event_at.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ} {lead.lead_id} "
            f"{lead.rule_id} v{lead.rule_version}: {lead.title}")


@contextmanager
def progress_reporter(stream: TextIO, *, every: float = 0.5,
                      clock: Callable[[], float] = time.monotonic) -> Iterator[Progress]:
    """A ``progress(read, total)`` callback: a tqdm bar on ``stream`` when tqdm is installed,
    else a 'read N/M records' line at most every ``every`` seconds, and one at the end."""
    if importlib.util.find_spec("tqdm") is not None:
        bar: Any = importlib.import_module("tqdm").tqdm(
            total=0, unit="rec", file=stream, desc="read", leave=True)

        def update_bar(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        try:
            yield update_bar
        finally:
            bar.close()
        return
    last: list[float | None] = [None]
    seen = [0, 0]

    def write_line(done: int, total: int) -> None:
        seen[:] = [done, total]
        now = clock()
        if last[0] is None or now - last[0] >= every:
            last[0] = now
            print(f"read {done}/{total} records", file=stream, flush=True)

    yield write_line
    if last[0] is not None:
        print(f"read {seen[0]}/{seen[1]} records", file=stream, flush=True)
