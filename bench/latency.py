"""Sustained-rate latency: the corridor scenario published at a steady rate (1,000 events/s
by default, the publisher on the same machine, paced as ``fusion simulate`` paces), a real
``fusion worker`` keeping up or not, and two answers:

- consumer lag over time (the worker group's committed offsets against the end offsets of
  the feeds, ``internal.events`` and ``internal.leads``, sampled every second): bounded, or
  growing (the growth per second of its peaks, per 5 s, over the later half of the publish,
  against 2% of the rate);
- event-to-lead latency per rule kind: from the broker's confirmation of the planted
  pattern's last event to the first matching lead read from a ``leads.<agency>`` topic
  (read_committed), as ``fusion evaluate`` measures it (``producers.scenario.evaluation``),
  p50/p95/p99 for match and watchlist rules (target <= 1 s) and for the stateful kinds
  (threshold, sequence, absence, corroboration, link; target <= FUSION_IDLE_AFTER + 1 s).
  A planted pattern whose lead has not arrived when the run ends counts as slower than any
  measured one (a percentile landing on it is "n/a" and fails).

    python -m bench.latency [--rate 1000] [--seconds 60] [--seed 7]

After the planted stream, sparse background follows at the same rate until event time passes
every expected finding's due time (as ``fusion evaluate`` does), then the bench waits until
every lead is in or nothing arrives for ``--settle`` seconds with no lag. The corridor
compresses event time (about 8 simulated hours per second at 1,000 events/s), so the worker
is given wide event-time limits (``bench.worker_process.EVENT_TIME_ENV``).

Needs a fresh broker and Redis (feed topics empty): ``make bench`` starts one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from adapters.kafka.access import kafka_access
from adapters.kafka.subscriptions import put_subscription, read_subscriptions
from adapters.kafka.topics import create_topics
from bench.corridor_feed import Published, publish_paced, with_tail
from bench.lag import worker_inputs
from bench.lead_watch import LagWatch, LeadWatch
from bench.measures import LagTrend, Target, censored_percentiles, lag_trend
from bench.report_files import Table, write_result
from bench.stage_scaling import leftover_problem, records_on
from bench.worker_process import (
    BenchWorker,
    WorkerWorld,
    bench_subscriptions_topic,
    create_own_topics,
    prepare,
)
from fusion.contract import CANDIDATE_LEADS_TOPIC, CORRELATION_TOPIC, feed_topics
from fusion.contract.principals import ADMIN, SIMULATOR
from fusion.settings import ConnectionSettings
from producers.scenario import CorridorScenario, default_start, demo_subscriptions
from producers.scenario.evaluation import Outcome, Report, evaluate
from rules.loader import load_catalogue
from rules.watchlist import WATCHLIST_VEHICLE_CROSSING
from stream_apps.settings import WorkerSettings

ROOT = Path(__file__).resolve().parents[1]
IMMEDIATE = "match and watchlist"
STATEFUL = "stateful (threshold, sequence, absence, corroboration, link)"
IMMEDIATE_LIMIT = 1.0


def rule_kinds(catalogue: Path = ROOT / "rules" / "catalogue") -> dict[str, str]:
    """Each catalogue rule's kind, and the intake's watchlist rule as ``watchlist``."""
    kinds: dict[str, str] = {rule.id: rule.kind for rule in load_catalogue(catalogue).rules}
    kinds[WATCHLIST_VEHICLE_CROSSING.rule_id] = "watchlist"
    return kinds


def kind_class(kind: str) -> str:
    return IMMEDIATE if kind in ("match", "watchlist") else STATEFUL


def latencies_by(outcomes: Iterable[Outcome], kinds: Mapping[str, str], *,
                 by_class: bool) -> dict[str, list[float | None]]:
    """Each outcome's latency (None: its lead never arrived), by rule kind or kind class."""
    out: dict[str, list[float | None]] = defaultdict(list)
    for o in outcomes:
        kind = kinds.get(o.rule_id, "unknown")
        out[kind_class(kind) if by_class else kind].append(o.latency_seconds)
    return dict(sorted(out.items()))


def latency_rows(groups: Mapping[str, Sequence[float | None]]) -> list[list[object]]:
    rows: list[list[object]] = []
    for name, values in groups.items():
        p = censored_percentiles(values)
        rows.append([name, len(values), sum(v is None for v in values),
                     *(_round(p.get(k)) for k in ("p50", "p95", "p99")),
                     _round(max((v for v in values if v is not None), default=None))])
    return rows


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def latency_targets(classes: Mapping[str, Sequence[float | None]], *,
                    idle_after: float) -> list[Target]:
    limits = {IMMEDIATE: IMMEDIATE_LIMIT, STATEFUL: idle_after + 1.0}
    targets = []
    for name, limit in limits.items():
        values = classes.get(name, [])
        p99 = censored_percentiles(values).get("p99")
        missing = sum(v is None for v in values)
        targets.append(Target(f"p99 event-to-lead latency, {name}", p99, limit, "<=", "s",
                              note=f"{len(values)} planted findings, {missing} without a lead"
                              + (" (nothing measured)" if not values else "")))
    return targets


def install_subscriptions(access: Any, topic: str) -> list[Any]:
    create_own_topics(access, subscriptions=topic)
    for sub in demo_subscriptions():
        put_subscription(access, topic, sub)
    return list(read_subscriptions(access, topic))


def wait_for_leads(watch: LeadWatch, lags: LagWatch, truths: list[dict[str, Any]],
                   at: dict[str, dt.datetime], *, settle: float, timeout: float) -> Report:
    """Until every expected lead is in, or ``settle`` seconds bring none while nothing lags,
    or ``timeout``."""
    deadline = time.monotonic() + timeout
    report = evaluate(truths, watch.deliveries, at)
    while not report.complete and time.monotonic() < deadline:
        time.sleep(1.0)  # sampling interval of this poll, not a wait standing for a result
        report = evaluate(truths, watch.deliveries, at)
        lag = lags.latest()
        behind = sum(lag.values()) if lag else None
        print(f"  leads: {report.found}/{report.records} found, lag {behind}   ", end="\r",
              file=sys.stderr)
        if behind == 0 and watch.quiet_for() > settle:
            break
    print(file=sys.stderr)
    return report


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=1000.0, help="events/s published")
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="seconds of planted corridor traffic at --rate (then the tail)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--settle", type=float, default=20.0,
                        help="stop waiting once this long brings no lead and nothing lags")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="longest wait for leads after the publish")
    args = parser.parse_args(argv)
    connection = ConnectionSettings()
    admin = kafka_access(connection, ADMIN)
    create_topics(admin)
    problem = leftover_problem(records_on(admin, feed_topics()))
    if problem:
        print(f"bench.latency: {problem}", file=sys.stderr)
        return 2
    worker_settings = WorkerSettings()
    subscriptions = bench_subscriptions_topic("latency")
    subs = install_subscriptions(admin, subscriptions)
    world = WorkerWorld.new("latency", subscriptions_topic=subscriptions)
    prepare(admin, world)
    worker = BenchWorker(world)
    worker.start()
    watch: LeadWatch | None = None
    lags: LagWatch | None = None
    try:
        worker.wait_for(lambda c: True, timeout=120, what="the metrics page", show=False)
        worker.wait_assigned()
        watch = LeadWatch(admin)
        lags = LagWatch(admin, world.app_id, worker_inputs())
        total = int(args.rate * args.seconds)
        scenario = CorridorScenario(
            args.seed, start=default_start(), subscriptions=subs,
            lateness=dt.timedelta(seconds=worker_settings.allowed_lateness))
        items, tail = with_tail(scenario, list(scenario.items(total)))
        published = Published()
        print(f"publishing {total} corridor events and a tail of {tail} at {args.rate:g}/s",
              file=sys.stderr)
        cpu0 = worker.cpu_seconds()
        began = time.perf_counter()
        publish_paced(kafka_access(connection, SIMULATOR), items, published, rate=args.rate)
        ended = time.perf_counter()
        cpu1 = worker.cpu_seconds()
        report = wait_for_leads(watch, lags, published.truths, published.at,
                                settle=args.settle, timeout=args.timeout)
        rss = worker.rss()
        page = worker.samples()
        counts = worker.counters(page) if page is not None else {}
        trend = lag_trend(lags.between(began, ended), rate=args.rate)
        thinned = lags.table(every=5.0)
        window = (lags.since_start(began), lags.since_start(ended))
    finally:
        for w in (watch, lags):
            if w is not None:
                w.stop()
        worker.stop()
    kinds = rule_kinds()
    classes = latencies_by(report.outcomes, kinds, by_class=True)
    per_kind = latencies_by(report.outcomes, kinds, by_class=False)
    achieved = published.achieved_rate()
    targets = [Target("publisher's achieved rate (a precondition: the load asked for)",
                      achieved and round(achieved), 0.95 * args.rate, ">=", "events/s"),
               *latency_targets(classes, idle_after=worker_settings.idle_after),
               Target("consumer lag growth over the later half of the publish",
                      round(trend.growth_per_second, 1), 0.02 * args.rate, "<=",
                      "records/s", note=_lag_note(trend))]
    cpu = None if cpu0 is None or cpu1 is None else round((cpu1 - cpu0) / (ended - began), 2)
    write_result(
        "latency", title="Sustained-rate latency (corridor mix)",
        summary=(f"{total} planted corridor events (seed {args.seed}) at {args.rate:g}/s "
                 f"requested, {achieved or 0:,.0f}/s achieved over "
                 f"{ended - began:.0f} s, with a tail of {tail} sparse events to close the "
                 "last windows; one `fusion worker` (defaults: "
                 f"FUSION_IDLE_AFTER={worker_settings.idle_after:g} s, "
                 f"FUSION_ALLOWED_LATENESS={worker_settings.allowed_lateness:g} s), worker CPU "
                 f"{cpu} cores while publishing, RSS {rss and rss // 2**20} MiB at the end, "
                 f"{int(counts.get('late', 0))} late shares, "
                 f"{int(counts.get('dead_letters', 0))} dead letters. "
                 f"{report.found} of {report.records} planted findings led; latency from the "
                 "broker's confirmation of a pattern's last event to its first lead on a "
                 "leads.<agency> topic."),
        targets=targets,
        tables=[Table("Latency per rule kind (s)",
                      ["kind", "findings", "no lead", "p50", "p95", "p99", "max"],
                      latency_rows(per_kind)),
                Table("Latency per class (s)",
                      ["class", "findings", "no lead", "p50", "p95", "p99", "max"],
                      latency_rows(classes)),
                Table("Consumer lag (records, every 5 s; the publish ran from "
                      f"t={window[0]:.0f} to t={window[1]:.0f} s)",
                      ["t (s)", "feeds", "internal.events", "internal.leads", "total"],
                      [[r["t"], r["feeds"], r[CORRELATION_TOPIC], r[CANDIDATE_LEADS_TOPIC],
                        r["total"]] for r in thinned])],
        data={"args": vars(args), "published": published.count, "tail_events": tail,
              "achieved_rate": achieved, "publish_seconds": ended - began,
              "worker_cpu_cores": cpu, "rss_bytes": rss, "worker_counters": counts,
              "lag_trend": trend.to_json(),
              "lag_samples": thinned, "recall": report.recall, "precision": report.precision,
              "records": report.records, "found": report.found,
              "latency_by_kind": {k: censored_percentiles(v) for k, v in per_kind.items()},
              "latency_by_class": {k: censored_percentiles(v) for k, v in classes.items()},
              "outcomes": [{"rule_id": o.rule_id, "kind": kinds.get(o.rule_id),
                            "latency_seconds": o.latency_seconds} for o in report.outcomes]})
    return 0


def _lag_note(trend: LagTrend) -> str:
    verdict = "bounded" if trend.bounded else "growing"
    return f"{verdict}: max {trend.max_lag:,} records behind, {trend.last_lag:,} at the end"


if __name__ == "__main__":
    sys.exit(main())
