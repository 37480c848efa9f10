"""Memory: bytes of RSS per tracked entity key, and whether RSS stays flat over a long soak
once every rule horizon has passed.

    python -m bench.memory [--key-steps 5 --step-events 10000] [--soak-events 1000000]

1. **Per key.** A fresh worker; the corridor scenario published in ``--key-steps`` steps of
   ``--step-events`` events, dense in event time (``--key-per-hour`` events per simulated
   hour, so the whole run lies within the shortest rule window and no state may expire).
   After each step, once the worker has correlated everything, its RSS (``VmRSS``, /proc) is
   read against the number of entity keys holding rule state after the same events (a
   reference replay through the pure engine, ``TrackedKeys``; the corridor makes fresh
   entities all the time). The least-squares slope is the bytes per tracked key (target
   <= 2 KB); the slope per distinct entity key published (``group_keys``) is given beside it.
2. **Soak.** Another fresh worker; ``--soak-events`` corridor events at the scenario's own
   density (120 background events per simulated hour: event time passes a 30-day horizon
   every ~90,000 events), published from a thread that stays at most ``--ahead`` events
   ahead of what the worker has correlated (sustained load at the worker's own pace, no
   backlog piling up), RSS sampled every ``--every`` seconds. Once event time has passed
   the longest rule window + the lead-combining horizon + the allowed lateness, every piece
   of state the stream made earlier may be gone: from there on RSS should be flat, its
   spread ((max - min) / min over the samples after that point) <= 10%. The run stops early,
   failing, when RSS passes ``--max-rss-mb``.

The soak's length is a flag: ``make bench`` runs a shorter default (200,000 events); the full
soak of the issue is ``--soak-events 1000000`` (see bench/README.md).
Needs a fresh broker and Redis: ``make bench`` starts one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from adapters.kafka.access import KafkaAccess, kafka_access
from adapters.kafka.feed_publisher import FeedPublisher
from adapters.kafka.topics import create_topics
from bench.corridor_feed import Published, publish_all
from bench.measures import Target, slope, spread
from bench.report_files import RESULTS, Table, write_result
from bench.stage_scaling import leftover_problem, records_on
from bench.worker_process import BenchWorker, WorkerWorld, commit_at_end, prepare
from fusion.contract import SUBSCRIPTIONS_TOPIC, EventEnvelope, feed_topics
from fusion.contract.principals import ADMIN, SIMULATOR
from fusion.settings import ConnectionSettings
from leads.combining import DEFAULT_HORIZON
from producers.scenario import CorridorScenario, Item, default_start
from rules.engine import RuleEngine
from rules.engine.compiled import EvalContext
from rules.engine.partitioning import group_keys
from rules.engine.state import InMemoryStore
from rules.loader import load_catalogue
from stream_apps.settings import WorkerSettings

ROOT = Path(__file__).resolve().parents[1]
KEY_LIMIT = 2048.0  # bytes of RSS per tracked entity key
FLAT_LIMIT = 0.10
MIB = 2**20


def longest_window(catalogue: Path = ROOT / "rules" / "catalogue") -> dt.timedelta:
    """The longest ``window``/``within`` of the catalogue's rules."""
    spans = [getattr(r, "within", None) or getattr(r, "window", None)
             for r in load_catalogue(catalogue).rules]
    return max((s for s in spans if isinstance(s, dt.timedelta)), default=dt.timedelta(0))


def horizon(lateness: dt.timedelta) -> dt.timedelta:
    """Event time after which nothing of an event can still be needed: the longest rule
    window, the lead-combining horizon and the allowed lateness."""
    return longest_window() + DEFAULT_HORIZON + lateness


def distinct_keys(events: Iterable[EventEnvelope], seen: set[str]) -> int:
    """Add the events' group keys to ``seen``; how many distinct keys it holds now."""
    for event in events:
        seen.update(group_keys(event))
    return len(seen)


class TrackedKeys:
    """Which entity keys hold rule state after the same events: a reference replay through
    the pure ``RuleEngine`` with the catalogue on an in-memory store, counting the entity
    keys under ``rule/<rule id>/<entity key>`` (the layout docs/ARCHITECTURE.md describes;
    a layout without that prefix counts none, and the report says so). Most of the
    corridor's entities never meet a stateful rule: about a third of its group keys hold
    state."""

    def __init__(self, catalogue: Path = ROOT / "rules" / "catalogue") -> None:
        rules = load_catalogue(catalogue)
        self._store = InMemoryStore()
        self._engine = RuleEngine(rules.rules, aliases=rules.aliases, state=self._store)
        self._ctx = EvalContext(watchlisted=lambda key: False)

    def add(self, events: Iterable[EventEnvelope]) -> int:
        """Replay ``events``; how many distinct entity keys hold rule state now."""
        for event in events:
            self._engine.process(event, self._ctx)
        stored = self._store.keys()  # a StateStore, not a dict: keys() is its iterator
        return len({key.split("/", 2)[2] for key in stored
                    if key.startswith("rule/") and key.count("/") >= 2})


def after(samples: Sequence[tuple[float, float, int]], count: float) -> list[int]:
    """RSS of the ``(seconds, correlated, rss)`` samples taken once ``count`` events were
    correlated."""
    return [rss for _, n, rss in samples if n >= count]


def settled_rss(worker: BenchWorker, *, total: int, timeout: float) -> int:
    worker.wait_for(lambda c: c["correlated"] + c["dead_letters"] >= total, timeout=timeout,
                    what="correlating the step")
    time.sleep(2.0)  # let the last batch's garbage go before reading RSS (a reading, no result)
    rss = worker.rss()
    if rss is None:
        raise RuntimeError(f"no RSS for the worker; see {worker.log}")
    return rss


def per_key(admin: KafkaAccess, simulator: KafkaAccess, args: argparse.Namespace
            ) -> dict[str, Any]:
    world = WorkerWorld.new("memory-keys", subscriptions_topic=SUBSCRIPTIONS_TOPIC)
    prepare(admin, world)
    worker = BenchWorker(world)
    worker.start()
    try:
        worker.wait_assigned()
        scenario = CorridorScenario(args.seed, start=default_start(),
                                    per_hour=args.key_per_hour)
        stream = scenario.items(None)
        seen: set[str] = set()
        tracked = TrackedKeys()
        published = Published()
        points: list[tuple[int, int, int]] = [(0, 0, settled_rss(worker, total=0, timeout=60))]
        for step in range(args.key_steps):
            items = [next(stream) for _ in range(args.step_events)]
            publish_all(simulator, items, published)
            keys = distinct_keys((i.event for i in items), seen)
            with_state = tracked.add(i.event for i in items)
            rss = settled_rss(worker, total=published.count, timeout=args.timeout)
            points.append((with_state, keys, rss))
            print(f"  step {step + 1}: {with_state} keys with rule state ({keys} in all), "
                  f"RSS {rss / MIB:.0f} MiB", file=sys.stderr)
        span = max(i.event.occurred_at for i in items) - scenario.start
        samples = worker.samples() or {}
        late = int(worker.counters(samples)["late"])
    finally:
        worker.stop()
    sizes = [float(r) for _, _, r in points[1:]]
    per = (slope([float(k) for k, _, _ in points[1:]], sizes)
           if points[-1][0] > points[1][0] else None)
    per_any = slope([float(k) for _, k, _ in points[1:]], sizes)
    return {"points": points, "bytes_per_key": per, "bytes_per_group_key": per_any,
            "event_time_span_hours":
            span.total_seconds() / 3600, "events": published.count, "late": late}


@dataclass
class Soak:
    total: int
    ahead: int
    correlated: float = 0.0
    published: int = 0
    horizon_index: int | None = None
    done: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)
    error: BaseException | None = None


def soak_publisher(simulator: KafkaAccess, scenario: CorridorScenario, soak: Soak,
                   horizon_at: dt.datetime) -> None:
    """Publish ``soak.total`` events, never more than ``soak.ahead`` ahead of the worker."""
    try:
        stream: Iterable[Item] = scenario.items(soak.total)
        with FeedPublisher(simulator, client_id="bench-soak") as publisher:
            batch: list[EventEnvelope] = []
            for item in stream:
                batch.append(item.event)
                if soak.horizon_index is None and item.event.occurred_at >= horizon_at:
                    soak.horizon_index = soak.published + len(batch)
                if len(batch) >= 1000:
                    while (soak.published - soak.correlated > soak.ahead
                           and not soak.stop.is_set()):
                        time.sleep(0.05)  # flow control: waiting for the worker to catch up
                    if soak.stop.is_set():
                        return
                    publisher.publish(batch)
                    soak.published += len(batch)
                    batch = []
            if batch:
                publisher.publish(batch)
                soak.published += len(batch)
    except BaseException as exc:  # reported by the main thread
        soak.error = exc
    finally:
        soak.done.set()


def soak_run(admin: KafkaAccess, simulator: KafkaAccess, args: argparse.Namespace
             ) -> dict[str, Any]:
    world = WorkerWorld.new("memory-soak", subscriptions_topic=SUBSCRIPTIONS_TOPIC)
    prepare(admin, world)
    commit_at_end(admin, world.app_id, feed_topics())  # not the per-key run's events
    worker = BenchWorker(world)
    worker.start()
    lateness = dt.timedelta(seconds=WorkerSettings().allowed_lateness)
    scenario = CorridorScenario(args.seed + 1, start=default_start())
    horizon_at = scenario.start + horizon(lateness)
    soak = Soak(total=args.soak_events, ahead=args.ahead)
    samples: list[tuple[float, float, int]] = []
    stopped = None
    try:
        worker.wait_assigned()
        thread = threading.Thread(target=soak_publisher, name="soak-publisher", daemon=True,
                                  args=(simulator, scenario, soak, horizon_at))
        began = time.perf_counter()
        thread.start()
        while True:
            time.sleep(args.every)  # the sampling interval
            if not worker.alive():
                stopped = "the worker exited"
                break
            page = worker.samples()
            rss = worker.rss()
            if page is None or rss is None:
                continue
            counts = worker.counters(page)
            soak.correlated = counts["correlated"] + counts["dead_letters"]
            samples.append((time.perf_counter() - began, soak.correlated, rss))
            print(f"  soak: {soak.correlated:.0f}/{soak.total} correlated, RSS "
                  f"{rss / MIB:.0f} MiB   ", end="\r", file=sys.stderr)
            if soak.error is not None:
                raise soak.error
            if rss > args.max_rss_mb * MIB:
                stopped = f"RSS passed {args.max_rss_mb} MiB"
                break
            if soak.done.is_set() and soak.correlated >= soak.published:
                break
        print(file=sys.stderr)
        late = int(counts["late"])
    finally:
        soak.stop.set()
        worker.stop()
    return {"samples": samples, "horizon_index": soak.horizon_index, "stopped": stopped,
            "published": soak.published, "late": late,
            "horizon_hours": horizon(lateness).total_seconds() / 3600,
            "seconds": samples[-1][0] if samples else None}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--key-steps", type=int, default=5)
    parser.add_argument("--step-events", type=int, default=10_000)
    parser.add_argument("--key-per-hour", type=float, default=20_000.0,
                        help="background events per simulated hour in the per-key run")
    parser.add_argument("--soak-events", type=int, default=200_000,
                        help="events of the soak (the issue's full soak: 1000000)")
    parser.add_argument("--ahead", type=int, default=5000,
                        help="most events the soak's publisher runs ahead of the worker")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--max-rss-mb", type=int, default=8000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    connection = ConnectionSettings()
    admin = kafka_access(connection, ADMIN)
    simulator = kafka_access(connection, SIMULATOR)
    create_topics(admin)
    problem = leftover_problem(records_on(admin, feed_topics()))
    if problem:
        print(f"bench.memory: {problem}", file=sys.stderr)
        return 2
    keys = per_key(admin, simulator, args)
    soak = soak_run(admin, simulator, args)
    write_memory_result(args, keys, soak)
    return 0


def write_memory_result(args: argparse.Namespace, keys: dict[str, Any], soak: dict[str, Any],
                        *, results: Path = RESULTS) -> Path:
    samples = soak["samples"]
    index = soak["horizon_index"]
    tail = after(samples, index) if index is not None else []
    flat = spread([float(r) for r in tail]) if len(tail) >= 2 else None
    note = (f"{len(tail)} samples after event {index:,}" if index is not None
            else "event time never passed the horizon: give --soak-events more")
    if soak["stopped"]:
        note += f"; stopped early: {soak['stopped']}"
        flat = None
    per = keys["bytes_per_key"]
    targets = [Target("RSS per tracked entity key (with rule state)",
                      None if per is None else round(per), KEY_LIMIT, "<=", "bytes",
                      note=f"slope over {len(keys['points']) - 1} steps; per entity key "
                           f"published (state or not): {keys['bytes_per_group_key']:,.0f} "
                           "bytes"),
               Target("RSS spread once every horizon has passed", flat, FLAT_LIMIT, "<=", "%",
                      note=note)]
    thinned = samples[:: max(1, len(samples) // 30)]
    return write_result(
        "memory", title="Memory per entity key and over a soak (corridor mix)",
        summary=(f"Per key: {keys['events']} events in {args.key_steps} steps, "
                 f"{keys['event_time_span_hours']:.1f} h of event time "
                 f"({keys['late']} late shares). Soak: {soak['published']} events "
                 f"published ({args.soak_events} asked), the publisher at most "
                 f"{args.ahead} ahead of the worker, {soak['seconds'] or 0:.0f} s; horizon "
                 f"{soak['horizon_hours']:.0f} h of event time (longest rule window + "
                 f"lead-combining horizon + allowed lateness), passed at event "
                 f"{index if index is not None else 'n/a'}; {soak['late']} late shares."),
        targets=targets,
        tables=[Table("Per key: RSS after each step",
                      ["entity keys with rule state (reference replay)",
                       "distinct entity keys published", "RSS MiB"],
                      [[k, g, round(r / MIB, 1)] for k, g, r in keys["points"]]),
                Table("Soak: RSS over time", ["s", "correlated", "RSS MiB", "after horizon"],
                      [[round(t), int(n), round(r / MIB, 1),
                        "yes" if index is not None and n >= index else ""]
                       for t, n, r in thinned])],
        data={"args": vars(args), "per_key": keys, "soak": soak}, results=results)


if __name__ == "__main__":
    sys.exit(main())
