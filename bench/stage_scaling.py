"""Rule scaling through the Faust correlation stage on a real broker: a real ``fusion worker``
with 10 catalogue rules and with 1,000 rules, over the same published event stream.

    python -m bench.stage_scaling [--events 20000] [--repeats 5]

``bench.rules_scaling`` measures the stage's pure core; this measures the stage as it runs,
so Kafka's and Faust's per-event costs (consume, decode, the intake's share records, the
changelog, the leads) weigh on both rule sets alike.

1. publishes ``bench.rules_scaling.build_events`` (every feed) once, before any timing, with
   ``FeedPublisher`` (each event on ``feed_topic(agency, feed)``), and seeds each worker's
   watchlist in Redis with the tenth of the recurring vehicles that ``bench.rules_scaling``
   treats as watchlisted;
2. for each rule set (runs alternating, 10, 1,000, 10, ... with ``--repeats``), writes the
   rules and the catalogue's aliases as rule files into a temporary catalogue and starts a
   fresh worker on it: its own app id (consumer group, reading the feeds from the earliest
   offset), Redis prefix and empty rules topic (so no published rule set takes precedence);
   its group starts at the current end of ``internal.events`` and ``internal.leads``, so it
   sees none of an earlier worker's records;
3. times the worker from its first correlated event to its N-th
   (``fusion_events_correlated_total`` on /metrics), so start-up and rebalancing are not
   counted, and reads the worker process's CPU time over the same interval (/proc);
4. writes bench/results/stage-scaling-<time>.json and .md.

Needs a broker and Redis: ``make bench`` starts a fresh pair on spare ports.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import sys
from collections import Counter
from collections.abc import Sequence
from typing import Any

from kafka import TopicPartition
from kafka.admin import NewTopic

from adapters.kafka.access import KafkaAccess, kafka_access
from adapters.kafka.clients import open_admin, open_consumer
from adapters.kafka.feed_publisher import FeedPublisher
from adapters.kafka.topics import create_topics
from adapters.kafka.watchlist_state import record_entries
from bench.rules_scaling import TARGET, build_events, rule_sets
from bench.stage_report import write_report
from bench.stage_worker import WorkerRun, run_worker
from fusion.contract import (
    CORRELATION_PARTITIONS,
    WATCHLIST_STATE_TOPIC,
    EventEnvelope,
    Feed,
    decode_event,
    feed_topic,
    feed_topics,
)
from fusion.contract.feed_attributes import WatchlistAttributes
from fusion.contract.principals import ADMIN
from fusion.settings import ConnectionSettings
from producers.traffic import TrafficGenerator
from rules.engine.partitioning import shares
from rules.language import RuleSpec
from rules.watchlist import WatchlistEntry, entry_from_event

LABEL = ("through the Faust correlation stage on a real broker (includes Kafka and Faust "
         "per-event costs)")


def records_on(access: KafkaAccess, topics: Sequence[str]) -> dict[str, int]:
    """How many records each of ``topics`` holds now (end minus start offsets)."""
    consumer = open_consumer(access, client_id="bench-stage")
    try:
        parts = [TopicPartition(topic, p) for topic in topics
                 for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends, starts = consumer.end_offsets(parts), consumer.beginning_offsets(parts)
    finally:
        consumer.close()
    held: dict[str, int] = {}
    for tp in parts:
        held[tp.topic] = held.get(tp.topic, 0) + ends[tp] - starts[tp]
    return held


def leftover_problem(held: dict[str, int]) -> str | None:
    """Why the run cannot go on, if feed topics already hold records: every worker reads the
    feeds from their first offset, so an earlier run's events would be replayed with these
    (the same events again, out of event-time order) and the rates would not be this
    stream's."""
    busy = {topic: n for topic, n in sorted(held.items()) if n}
    if not busy:
        return None
    listed = ", ".join(f"{topic} ({n})" for topic, n in list(busy.items())[:3])
    more = f" and {len(busy) - 3} more" if len(busy) > 3 else ""
    return (f"the feed topics already hold {sum(busy.values())} records ({listed}{more}), an "
            "earlier run's: run on a fresh stack (rm -rf .run/bench first, as make bench "
            "does)")


def publish(access: KafkaAccess, events: Sequence[EventEnvelope]) -> dict[str, Any]:
    began = dt.datetime.now(dt.UTC)
    with FeedPublisher(access, client_id="bench-stage") as publisher:
        for start in range(0, len(events), 10_000):
            publisher.publish(events[start:start + 10_000])
            print(f"  published {min(start + 10_000, len(events))}/{len(events)}", end="\r",
                  file=sys.stderr)
    print(file=sys.stderr)
    seconds = (dt.datetime.now(dt.UTC) - began).total_seconds()
    return {"events": len(events), "seconds": round(seconds, 3),
            "per_second": round(len(events) / seconds)}


def watchlist_entries(seed: int) -> list[WatchlistEntry]:
    """Entries for the tenth of the recurring vehicles ``bench.rules_scaling`` watchlists."""
    traffic = TrafficGenerator(seed, watchlist_size=400, hit_ratio=0.35)
    listed = traffic.watchlist(at=dt.datetime(2025, 12, 1, tzinfo=dt.UTC))[::10]
    entries = []
    for event in listed:
        decoded = decode_event(event.model_dump_json().encode(),
                               topic=feed_topic(event.agency, Feed.WATCHLIST))
        attrs = getattr(decoded, "attributes", None)
        if not isinstance(attrs, WatchlistAttributes):
            raise SystemExit(f"not a valid watchlist entry: {event.key}: {decoded}")
        entries.append(entry_from_event(event, attrs))
    return entries


def create_empty_topic(access: KafkaAccess, name: str) -> None:
    """A compacted one-partition topic, like ``control.rule-sets``, with nothing on it."""
    admin = open_admin(access, client_id="bench-stage")
    try:
        admin.create_topics([NewTopic(name, 1, 1, topic_configs={"cleanup.policy": "compact"})])
    finally:
        admin.close()


def pair_ratios(small: Sequence[float], large: Sequence[float]) -> list[float]:
    """Each 1,000-rule run's rate over the 10-rule run's just before it (the runs alternate):
    how far one pair's ratio is from another's shows the machine's noise."""
    return [round(b / a, 3) for a, b in zip(small, large, strict=True)]


def summarise(name: str, rules: Sequence[RuleSpec], runs: list[WorkerRun],
              total_shares: int) -> dict[str, Any]:
    rates = [round(run.events / run.seconds) for run in runs]
    cpu_rates = [round(run.events / run.cpu_seconds) if run.cpu_seconds else None
                 for run in runs]
    median = statistics.median(rates)
    at = rates.index(min(rates, key=lambda r: abs(r - median)))
    known_cpu = [r for r in cpu_rates if r is not None]
    result = {
        "rules": len(rules), "events": runs[at].events, "seconds": round(runs[at].seconds, 3),
        "per_second": round(median), "per_second_runs": rates,
        "cpu_per_second": round(statistics.median(known_cpu)) if known_cpu else None,
        "cpu_per_second_runs": cpu_rates,
        "cpu_share_runs": [round(run.cpu_seconds / run.seconds, 2) if run.cpu_seconds else None
                           for run in runs],
        "startup_seconds_runs": [round(run.startup_seconds, 1) for run in runs],
        "leads": runs[at].counters["leads"], "late": runs[at].counters["late"],
        "late_share_runs": [round(run.counters["late"] / total_shares, 3) for run in runs],
        "dead_letters": runs[at].counters["dead_letters"],
    }
    print(f"  {name}: {result['per_second']} events/s (runs {rates}; CPU time "
          f"{result['cpu_per_second']}/s), {result['leads']} leads, {result['late']} late",
          file=sys.stderr)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5,
                        help="runs per set, alternating; the median is reported (this shared "
                             "machine's runs of one set spread by up to a quarter)")
    parser.add_argument("--rules", type=int, default=1_000, help="size of the large set")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=900, help="seconds per worker")
    args = parser.parse_args(argv)
    connection = ConnectionSettings()
    access = kafka_access(connection, ADMIN)
    sets, aliases = rule_sets(args.rules)
    create_topics(access)
    problem = leftover_problem(records_on(access, feed_topics()))
    if problem:
        print(f"bench.stage_scaling: {problem}", file=sys.stderr)
        return 2
    print(f"building {args.events} events (seed {args.seed})", file=sys.stderr)
    events = build_events(args.events, args.seed)
    produced = publish(access, events)
    entries = watchlist_entries(args.seed)

    # The worker groups' lanes are seeded from the watchlist's record of record.
    record_entries(access, WATCHLIST_STATE_TOPIC, entries)

    def prepare(redis_prefix: str, rules_topic: str) -> None:
        create_empty_topic(access, rules_topic)

    runs: dict[str, list[WorkerRun]] = {name: [] for name in sets}
    for _ in range(args.repeats):
        for name, rules in sets.items():
            print(f"fusion worker with {name}", file=sys.stderr)
            runs[name].append(run_worker(
                rules, aliases, events=len(events), access=access, timeout=args.timeout,
                prepare=prepare))
    total_shares = sum(len(shares(e, CORRELATION_PARTITIONS)) for e in events)
    summaries = {name: summarise(name, sets[name], runs[name], total_shares) for name in sets}
    small, large = (summaries[name]["per_second"] for name in sets)
    pairs = pair_ratios(*(summaries[name]["per_second_runs"] for name in sets))
    cpu_small, cpu_large = (summaries[name]["cpu_per_second"] for name in sets)
    report: dict[str, Any] = {
        "benchmark": "stage-scaling", "label": LABEL,
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "load_average": [round(x, 2) for x in os.getloadavg()]},
        "events": args.events, "repeats": args.repeats, "seed": args.seed,
        "watchlisted_vehicles": len(entries), "publish": produced,
        "correlation_shares": total_shares,
        "event_feeds": dict(Counter(e.feed.value for e in events).most_common()),
        "runs": summaries, "ratio": round(large / small, 3), "pair_ratios": pairs,
        "cpu_ratio": round(cpu_large / cpu_small, 3) if cpu_small and cpu_large else None,
        "target": TARGET, "passed": large / small >= TARGET,
    }
    write_report(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
