"""Backlog drain: do the same events give the same leads whether they arrive live or are
replayed from a backlog, and does the replay mark shares late?

    python -m bench.backlog_drain [--events 20000] [--live-rate 250] [--seed 3]

1. builds the corridor scenario (``--events`` planted events, then the sparse tail that
   closes every expected finding in event time, ``bench.corridor_feed.with_tail``);
2. **live**: starts worker A (its own world, ``bench.worker_process``), publishes the stream
   at ``--live-rate`` events/s (a rate it keeps up with) and reads its leads from every
   ``leads.<agency>`` topic until it has correlated everything and nothing arrives for
   ``--settle`` seconds with no lag; then stops A;
3. **backlog**: the same records now wait on the feed topics, with no worker of a new group
   running. Starts worker B (a new group reading the feeds from the first offset; its internal
   topics start at their current end), times the drain from B's start to its last correlated
   event (start-up, and the first valid event to the last correlated one, apart), and reads
   its leads the same way;
4. compares the two: late shares (``fusion_late_events_total``, target 0 in the backlog run)
   and the leads, each lead id with the rule ids of its highest revision (target: the same
   set, nothing only live, only replayed, or with other rule hits).

Both workers read the same records, so nothing differs between the runs but the arrival.
Needs a fresh broker and Redis (feed topics empty): ``make bench`` starts one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.kafka.access import KafkaAccess, kafka_access
from adapters.kafka.topics import create_topics
from bench.corridor_feed import Published, publish_paced, with_tail
from bench.lag import worker_inputs
from bench.latency import install_subscriptions
from bench.lead_watch import LagWatch, LeadWatch
from bench.measures import Target
from bench.report_files import Table, write_result
from bench.stage_scaling import leftover_problem, records_on
from bench.worker_process import (
    BenchWorker,
    WorkerWorld,
    bench_subscriptions_topic,
    prepare,
)
from fusion.contract import feed_topics
from fusion.contract.principals import ADMIN, SIMULATOR
from fusion.settings import ConnectionSettings
from leads.deliveries import Delivery
from producers.scenario import CorridorScenario, default_start
from stream_apps.settings import WorkerSettings

LeadHits = dict[str, frozenset[str]]


def final_hits(deliveries: Iterable[Delivery]) -> LeadHits:
    """Each lead id with the rule ids of its highest revision (over every agency's copy)."""
    best: dict[str, tuple[int, frozenset[str]]] = {}
    for d in deliveries:
        hits = frozenset(h.rule_id for h in d.lead.rule_hits)
        seen = best.get(d.lead.lead_id)
        if seen is None or d.lead.revision > seen[0]:
            best[d.lead.lead_id] = (d.lead.revision, hits)
    return {lead_id: hits for lead_id, (_, hits) in best.items()}


@dataclass(frozen=True)
class LeadDiff:
    only_live: dict[str, list[str]]
    only_backlog: dict[str, list[str]]
    other_hits: dict[str, dict[str, list[str]]]

    @property
    def differences(self) -> int:
        return len(self.only_live) + len(self.only_backlog) + len(self.other_hits)

    def to_json(self) -> dict[str, Any]:
        return {"only_live": self.only_live, "only_backlog": self.only_backlog,
                "other_hits": self.other_hits, "differences": self.differences}


def compare_leads(live: Mapping[str, frozenset[str]],
                  backlog: Mapping[str, frozenset[str]]) -> LeadDiff:
    return LeadDiff(
        only_live={k: sorted(v) for k, v in sorted(live.items()) if k not in backlog},
        only_backlog={k: sorted(v) for k, v in sorted(backlog.items()) if k not in live},
        other_hits={k: {"live": sorted(live[k]), "backlog": sorted(backlog[k])}
                    for k in sorted(live.keys() & backlog.keys()) if live[k] != backlog[k]})


@dataclass
class Run:
    name: str
    counters: dict[str, float]
    leads: LeadHits
    deliveries: int
    startup_seconds: float | None = None
    drain_seconds: float | None = None
    total_seconds: float | None = None
    rss: int | None = None

    def row(self, events: int) -> list[object]:
        rate = (round(events / self.drain_seconds) if self.drain_seconds else None)
        return [self.name, int(self.counters["valid"]), int(self.counters["correlated"]),
                int(self.counters["late"]), len(self.leads), self.deliveries,
                _r(self.startup_seconds), _r(self.drain_seconds), rate,
                self.rss and self.rss // 2**20]


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def settle(worker: BenchWorker, watch: LeadWatch, lags: LagWatch, *, total: int,
           quiet: float, timeout: float) -> dict[str, float]:
    """Until the worker has correlated (or dead-lettered) ``total`` events, nothing lags,
    and no lead arrived for ``quiet`` seconds."""
    counts = worker.wait_for(lambda c: c["correlated"] + c["dead_letters"] >= total,
                             timeout=timeout, what=f"{worker.world.app_id[-14:]} correlating")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lag = lags.latest()
        if lag is not None and sum(lag.values()) == 0 and watch.quiet_for() > quiet:
            break
        time.sleep(0.5)  # sampling interval of this poll
    samples = worker.samples()
    return worker.counters(samples) if samples is not None else counts


def live_run(admin: KafkaAccess, simulator: KafkaAccess, subscriptions: str, items: Sequence[Any],
             *, rate: float, quiet: float, timeout: float) -> tuple[Run, Published]:
    world = WorkerWorld.new("live", subscriptions_topic=subscriptions)
    prepare(admin, world)
    worker = BenchWorker(world)
    worker.start()
    watch = lags = None
    try:
        worker.wait_assigned()
        watch, lags = LeadWatch(admin), LagWatch(admin, world.app_id, worker_inputs())
        published = Published()
        print(f"live: publishing {len(items)} events at {rate:g}/s", file=sys.stderr)
        publish_paced(simulator, items, published, rate=rate)
        counts = settle(worker, watch, lags, total=len(items), quiet=quiet, timeout=timeout)
        run = Run("live", counts, final_hits(watch.deliveries), len(watch.deliveries),
                  rss=worker.rss())
        return run, published
    finally:
        for w in (watch, lags):
            if w is not None:
                w.stop()
        worker.stop()


def backlog_run(admin: KafkaAccess, subscriptions: str, total: int, *, quiet: float,
                timeout: float) -> Run:
    world = WorkerWorld.new("backlog", subscriptions_topic=subscriptions)
    prepare(admin, world)
    watch, lags = LeadWatch(admin), LagWatch(admin, world.app_id, worker_inputs())
    worker = BenchWorker(world)
    try:
        print(f"backlog: worker starts on {total} waiting events", file=sys.stderr)
        worker.start()
        worker.wait_for(lambda c: c["valid"] > 0, timeout=timeout,
                        what="the first valid event", every=0.1, show=False)
        first_at = time.perf_counter()
        worker.wait_for(lambda c: c["correlated"] + c["dead_letters"] >= total,
                        timeout=timeout, what="backlog drain", every=0.1)
        done_at = time.perf_counter()
        counts = settle(worker, watch, lags, total=total, quiet=quiet, timeout=timeout)
        return Run("backlog", counts, final_hits(watch.deliveries), len(watch.deliveries),
                   startup_seconds=first_at - worker.started_at,
                   drain_seconds=done_at - first_at, total_seconds=done_at - worker.started_at,
                   rss=worker.rss())
    finally:
        watch.stop()
        lags.stop()
        worker.stop()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=20_000,
                        help="planted events (the issue's backlog: 100000)")
    parser.add_argument("--live-rate", type=float, default=250.0,
                        help="events/s of the live run (one the worker keeps up with)")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--settle", type=float, default=15.0,
                        help="quiet seconds (no lead, no lag) that end each run")
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args(argv)
    connection = ConnectionSettings()
    admin = kafka_access(connection, ADMIN)
    create_topics(admin)
    problem = leftover_problem(records_on(admin, feed_topics()))
    if problem:
        print(f"bench.backlog_drain: {problem}", file=sys.stderr)
        return 2
    subscriptions = bench_subscriptions_topic("backlog")
    subs = install_subscriptions(admin, subscriptions)
    scenario = CorridorScenario(
        args.seed, start=default_start(), subscriptions=subs,
        lateness=dt.timedelta(seconds=WorkerSettings().allowed_lateness))
    items, tail = with_tail(scenario, list(scenario.items(args.events)))
    live, published = live_run(admin, kafka_access(connection, SIMULATOR), subscriptions, items,
                               rate=args.live_rate, quiet=args.settle, timeout=args.timeout)
    backlog = backlog_run(admin, subscriptions, len(items), quiet=args.settle,
                          timeout=args.timeout)
    diff = compare_leads(live.leads, backlog.leads)
    targets = [
        Target("late shares draining the backlog", backlog.counters["late"], 0, "<=", "",
               note=f"{int(live.counters['late'])} in the live run"),
        Target("leads differing from live arrival", diff.differences, 0, "<=", "",
               note=(f"{len(live.leads)} live, {len(backlog.leads)} replayed: "
                     f"{len(diff.only_live)} only live, {len(diff.only_backlog)} only "
                     f"replayed, {len(diff.other_hits)} with other rule hits")),
    ]
    examples = [[k, "only live", ", ".join(v)] for k, v in list(diff.only_live.items())[:10]]
    examples += [[k, "only replayed", ", ".join(v)]
                 for k, v in list(diff.only_backlog.items())[:10]]
    examples += [[k, "other hits", f"live {', '.join(v['live'])}; replayed "
                  f"{', '.join(v['backlog'])}"] for k, v in list(diff.other_hits.items())[:10]]
    write_result(
        "backlog-drain", title="Backlog drain against live arrival (corridor mix)",
        summary=(f"{args.events} planted corridor events (seed {args.seed}) and a tail of "
                 f"{tail} sparse events that closes every expected finding in event time: "
                 f"{len(items)} records, published once at {args.live_rate:g}/s "
                 f"({published.achieved_rate() or 0:,.0f}/s achieved) while worker A ran "
                 "(live), then drained by worker B, a new group started on them (backlog). "
                 f"B took {_r(backlog.startup_seconds)} s to its first valid event and "
                 f"{_r(backlog.drain_seconds)} s from there to its last correlated event."),
        targets=targets,
        tables=[Table("Runs", ["run", "valid", "correlated", "late shares", "lead ids",
                               "lead copies read", "start-up s", "drain s", "drain events/s",
                               "RSS MiB"],
                      [live.row(len(items)), backlog.row(len(items))]),
                Table("Differing leads (first 10 of each kind)", ["lead id", "where", "rule ids"],
                      examples)],
        data={"args": vars(args), "records": len(items), "tail_events": tail,
              "live_rate_achieved": published.achieved_rate(),
              "runs": {r.name: {"counters": r.counters, "lead_ids": len(r.leads),
                                "copies": r.deliveries, "startup_seconds": r.startup_seconds,
                                "drain_seconds": r.drain_seconds,
                                "total_seconds": r.total_seconds, "rss_bytes": r.rss}
                       for r in (live, backlog)},
              "lead_diff": diff.to_json()})
    return 0


if __name__ == "__main__":
    sys.exit(main())
