"""Recovery after kill -9: how long a restarted worker takes to process again, kill after
kill, and whether its memory afterwards matches a worker that never stopped.

    python -m bench.recovery [--kills 3] [--run-for 30] [--rate 150]

Two workers of their own worlds (``bench.worker_process``) read the same corridor stream,
published from a thread at ``--rate`` events/s for the whole run: R, killed with SIGKILL
every ``--run-for`` seconds and restarted at once (same group, Faust data folder, Redis
prefix: what a supervisor does), and N, which never stops. For each restart the bench polls
R's /metrics every 0.1 s and reports the seconds from the restart (process start) to its
first processed batch of each stage (``fusion_batch_records_count{stage=...}``: the intake
needs feed records, which keep coming; the correlate agent gets the worker's 1 s ticks once
its table is recovered). Target: both within 10 s, every time. Note that a killed member
stays in the group until its session times out (``FUSION_SESSION_TIMEOUT``, default 10 s),
and the group's rebalance waits for it.

After the last restart the publisher stops, both workers catch up with everything
published, and their RSS is compared (target: R within 10% of N).
Needs a fresh broker and Redis: ``make bench`` starts one.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from adapters.kafka.access import KafkaAccess, kafka_access
from adapters.kafka.feed_publisher import FeedPublisher
from adapters.kafka.topics import create_topics
from bench.corridor_feed import slots
from bench.lag import GroupLag, worker_inputs
from bench.latency import install_subscriptions
from bench.measures import Target, ratio
from bench.report_files import Table, write_result
from bench.stage_scaling import leftover_problem, records_on
from bench.worker_process import (
    BenchWorker,
    WorkerWorld,
    batches_by_stage,
    bench_subscriptions_topic,
    prepare,
)
from fusion.contract import feed_topics
from fusion.contract.principals import ADMIN, SIMULATOR
from fusion.settings import ConnectionSettings
from producers.scenario import CorridorScenario, default_start

RECOVERY_LIMIT = 10.0
RSS_LIMIT = 1.10
STAGES = ("intake", "correlate")
MIB = 2**20


def first_batches(worker: BenchWorker, *, timeout: float) -> dict[str, float | None]:
    """Seconds from the worker's (re)start to its metrics page answering and to each stage's
    first handled batch; None for what did not happen within ``timeout``."""
    found: dict[str, float | None] = dict.fromkeys(("metrics", *STAGES))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and worker.alive():
        samples = worker.samples()
        now = time.perf_counter() - worker.started_at
        if samples is not None:
            found["metrics"] = found["metrics"] or now
            batches = batches_by_stage(samples)
            for stage in STAGES:
                if found[stage] is None and batches.get(stage, 0) > 0:
                    found[stage] = now
            if all(found[s] is not None for s in STAGES):
                break
        time.sleep(0.1)  # sampling interval of the poll
    return found


def recovery_seconds(found: dict[str, float | None]) -> float | None:
    """The later of the stages' first batches; None if one never came."""
    times = [found[s] for s in STAGES]
    return None if any(t is None for t in times) else max(t for t in times if t is not None)


class Feed(threading.Thread):
    """The corridor, endless, at ``rate`` events/s until ``stop``."""

    def __init__(self, access: KafkaAccess, scenario: CorridorScenario, rate: float) -> None:
        super().__init__(name="recovery-feed", daemon=True)
        self.access, self.scenario, self.rate = access, scenario, rate
        self.published = 0
        self.halt = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        size, interval = slots(self.rate)
        stream = self.scenario.events(None)
        began = time.perf_counter()
        try:
            with FeedPublisher(self.access, client_id="bench-recovery") as publisher:
                n = 0
                while not self.halt.is_set():
                    wait = began + n * interval - time.perf_counter()
                    if wait > 0 and self.halt.wait(wait):
                        break
                    publisher.publish([next(stream) for _ in range(size)])
                    self.published += size
                    n += 1
        except BaseException as exc:  # reported by the main thread
            self.error = exc


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=3)
    parser.add_argument("--run-for", type=float, default=30.0,
                        help="seconds the worker processes between a recovery and a kill")
    parser.add_argument("--rate", type=float, default=150.0, help="events/s published")
    parser.add_argument("--seed", type=int, default=9)
    parser.add_argument("--timeout", type=float, default=600.0)
    args = parser.parse_args(argv)
    connection = ConnectionSettings()
    admin = kafka_access(connection, ADMIN)
    create_topics(admin)
    problem = leftover_problem(records_on(admin, feed_topics()))
    if problem:
        print(f"bench.recovery: {problem}", file=sys.stderr)
        return 2
    subscriptions = bench_subscriptions_topic("recovery")
    install_subscriptions(admin, subscriptions)
    worlds = [WorkerWorld.new(name, subscriptions_topic=subscriptions)
              for name in ("recovering", "steady")]
    for world in worlds:
        prepare(admin, world)
    killed, steady = (BenchWorker(w) for w in worlds)
    feed = Feed(kafka_access(connection, SIMULATOR),
                CorridorScenario(args.seed, start=default_start()), args.rate)
    restarts: list[dict[str, Any]] = []
    try:
        for worker in (killed, steady):
            worker.start()
        for worker in (killed, steady):
            worker.wait_assigned()
        feed.start()
        for kill in range(args.kills):
            time.sleep(args.run_for)  # the worker processes the stream for this long
            if feed.error is not None:
                raise feed.error
            rss = killed.rss()
            killed.kill()
            killed.start()
            found = first_batches(killed, timeout=args.timeout)
            restarts.append({"kill": kill + 1, "published_before": feed.published,
                             "rss_before_kill": rss, **found,
                             "recovery": recovery_seconds(found)})
            print(f"  restart {kill + 1}: first batches {found}", file=sys.stderr)
        feed.halt.set()
        feed.join(timeout=30)
        total = feed.published
        for worker in (killed, steady):  # the killed one's counters restarted with it
            lag = GroupLag(admin, worker.world.app_id, worker_inputs())
            try:
                lag.wait_caught_up(timeout=args.timeout, alive=worker.alive)
            finally:
                lag.close()
        time.sleep(2.0)  # let the last batch's garbage go before reading RSS (a reading)
        rss_killed, rss_steady = killed.rss(), steady.rss()
    finally:
        feed.halt.set()
        killed.stop()
        steady.stop()
    worst = [r["recovery"] for r in restarts]
    worst_value = None if not worst or any(w is None for w in worst) else max(
        w for w in worst if w is not None)
    rss_ratio = ratio(rss_killed, rss_steady)
    targets = [
        Target("slowest restart to first batch (intake and correlate)", worst_value,
               RECOVERY_LIMIT, "<=", "s",
               note="per restart: " + ", ".join("n/a" if w is None else f"{w:.1f} s"
                                                for w in worst)),
        Target("RSS after recovery ÷ RSS of a worker never stopped", rss_ratio, RSS_LIMIT, "<=",
               note=f"{(rss_killed or 0) / MIB:.0f} MiB against {(rss_steady or 0) / MIB:.0f} MiB"),
    ]
    write_result(
        "recovery", title="Recovery after kill -9 (corridor mix)",
        summary=(f"Corridor events (seed {args.seed}) at {args.rate:g}/s, {total} in all; "
                 f"worker R killed with SIGKILL {args.kills} times, every {args.run_for:g} s "
                 "of processing, and restarted at once; worker N never stopped. Seconds from "
                 "each restart to the metrics page and to each stage's first batch."),
        targets=targets,
        tables=[Table("Restarts", ["kill", "events published before", "RSS MiB before kill",
                                   "metrics page s", "first intake batch s",
                                   "first correlate batch s"],
                      [[r["kill"], r["published_before"],
                        r["rss_before_kill"] and round(r["rss_before_kill"] / MIB),
                        _r(r["metrics"]), _r(r["intake"]), _r(r["correlate"])]
                       for r in restarts])],
        data={"args": vars(args), "published": total, "restarts": restarts,
              "rss_recovered": rss_killed, "rss_steady": rss_steady})
    return 0


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


if __name__ == "__main__":
    sys.exit(main())
