"""Intake throughput: the Faust worker against a bare aiokafka consumer and a quixstreams
application on the same topic, in the same run.

    python -m bench.intake --events 50000

1. publishes a watchlist and N crossings (1% watchlisted) on feeds.cbp-ofo.poe-crossings
   (3 partitions);
2. reads them back with a bare aiokafka ``getmany`` loop doing ``json.loads`` (the ceiling
   the developer guide measures against), then with ``decode_event`` (validation cost), over
   the whole topic and over its partition 0 alone; every partition's records are counted once
   (``bench.measures.count_records``: the loop used to add the whole answer once per
   partition, reporting about 2x on three partitions and stopping early);
3. runs a plain Faust agent doing ``json.loads`` (``bench.plain_faust``), and a quixstreams
   3.28 application applying the same ``decode_event`` (``bench.quix_peer``, in its own
   virtualenv that ``bench.peer_venv`` makes once: quixstreams pins pydantic < 2.14), reading
   with SASL SCRAM-SHA-512 as the admin;
4. starts a real ``fusion worker`` (as ``svc-worker``) on the same topic and times it from its
   first counted event to its N-th valid one (``fusion_events_valid_total`` on /metrics: the
   intake) and to the last correlated one (``fusion_events_correlated_total``, which also
   counts the watchlist entries: through the correlate stage), so start-up and rebalancing
   are not counted;
5. writes bench/results/intake-<time>.json and .md with the targets of issue 13: through
   correlation >= 30% of bare aiokafka + ``decode_event`` on the same topic, and >= 50% of
   the quixstreams application.

Needs a broker and Redis with no other data on that topic: ``make bench`` starts a fresh
pair on spare ports.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from adapters.kafka.access import KafkaAccess, credentials_dir, credentials_file, kafka_access
from adapters.kafka.feed_publisher import FeedPublisher
from adapters.kafka.topics import create_topics
from bench.measures import Target, count_records, ratio
from bench.peer_venv import peer_python
from bench.report_files import Table, write_result
from bench.worker_process import BenchWorker, WorkerWorld, prepare
from fusion.contract import (
    SUBSCRIPTIONS_TOPIC,
    Agency,
    Feed,
    all_topics,
    decode_event,
    feed_topic,
)
from fusion.contract.principals import ADMIN
from fusion.settings import ConnectionSettings
from producers.traffic import TrafficGenerator

TOPIC = feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS)
ROOT = Path(__file__).resolve().parents[1]


def publish(access: KafkaAccess, events: int, seed: int) -> dict[str, Any]:
    traffic = TrafficGenerator(seed, hit_ratio=0.01)
    start = dt.datetime.now(dt.UTC)
    clock = (start + dt.timedelta(milliseconds=i) for i in range(events))
    crossings = traffic.crossings(clock)
    began = time.perf_counter()
    with FeedPublisher(access, client_id="bench") as publisher:
        watchlist = traffic.watchlist(at=start - dt.timedelta(hours=1))
        publisher.publish(watchlist)
        sent = 0
        while sent < events:
            chunk = [next(crossings) for _ in range(min(10_000, events - sent))]
            publisher.publish(chunk)
            sent += len(chunk)
            print(f"  published {sent}/{events}", end="\r", file=sys.stderr)
    seconds = time.perf_counter() - began
    print(file=sys.stderr)
    return {"events": events, "seconds": round(seconds, 3), "per_second": round(events / seconds),
            "watchlist_entries": len(watchlist)}


async def bare_consume(access: KafkaAccess, work: Callable[[bytes], object], *,
                       partitions: Sequence[int] | None = None) -> dict[str, Any]:
    """Read the topic (or only ``partitions`` of it) to its current end with ``getmany``,
    applying ``work`` to each value; timed from the first non-empty answer."""
    consumer = AIOKafkaConsumer(**access.kafka_python(), group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        every = next(spec.partitions for spec in all_topics() if spec.name == TOPIC)
        chosen = [TopicPartition(TOPIC, p) for p in
                  (partitions if partitions is not None else range(every))]
        consumer.assign(chosen)
        await consumer.seek_to_beginning(*chosen)
        ends = await consumer.end_offsets(chosen)
        events = sum(ends.values())
        seen = 0
        began: float | None = None
        while seen < events:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            if batches and began is None:
                began = time.perf_counter()
            seen += count_records(batches, lambda record: work(record.value))
        assert began is not None
        seconds = time.perf_counter() - began
        return {"events": seen, "seconds": round(seconds, 3), "per_second": round(seen / seconds)}
    finally:
        await consumer.stop()


def faust_worker(events: int, valid_target: float, correlated_target: float, *,
                 admin: KafkaAccess, timeout: float) -> dict[str, dict[str, Any]]:
    """The real worker, timed from its first valid event to its N-th valid (intake) and its
    last correlated event (the correlate stage, which follows the intake)."""
    world = WorkerWorld.new("intake", subscriptions_topic=SUBSCRIPTIONS_TOPIC)
    prepare(admin, world)
    worker = BenchWorker(world)
    worker.start()
    try:
        first_at: float | None = None
        first_count = 0.0
        done: dict[str, float] = {}
        targets = {"valid": valid_target, "correlated": correlated_target}
        deadline = time.monotonic() + timeout
        while len(done) < len(targets):
            if not worker.alive() or time.monotonic() > deadline:
                raise RuntimeError(f"worker stopped or timed out; see {worker.log}")
            time.sleep(0.1)  # sampling interval of the progress poll, not a wait for a result
            samples = worker.samples()
            if samples is None:
                continue
            counts = worker.counters(samples)
            now = time.perf_counter()
            if counts["valid"] > 0 and first_at is None:
                first_at, first_count = now, counts["valid"]
            done.update({name: now for name, n in targets.items()
                         if counts[name] >= n and name not in done})
            print(f"  fusion worker: valid {counts['valid']:.0f}, correlated "
                  f"{counts['correlated']:.0f} of {correlated_target:.0f}   ", end="\r",
                  file=sys.stderr)
        assert first_at is not None
        print(file=sys.stderr)
        measured = events - first_count
        return {name: {"events": int(measured), "seconds": round(done[name] - first_at, 3),
                       "per_second": round(measured / (done[name] - first_at))}
                for name in targets}
    finally:
        worker.stop()


def plain_faust(events: int, *, timeout: float) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 (our own module, fixed arguments)
        [sys.executable, "-m", "bench.plain_faust", "--events", str(events), "--topic", TOPIC],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=True)
    return _json_line(result.stdout, "bench.plain_faust")


def quix_peer(connection: ConnectionSettings, events: int, *, timeout: float) -> dict[str, Any]:
    """The quixstreams application in its own venv, reading as the admin."""
    python = peer_python()
    group = f"bench-quix-{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="bench-quix-") as state:
        result = subprocess.run(  # noqa: S603 (our own script, fixed arguments)
            [str(python), str(ROOT / "bench" / "quix_peer.py"), "--topic", TOPIC,
             "--events", str(events), "--bootstrap", connection.kafka_bootstrap,
             "--credentials", str(credentials_file(credentials_dir(connection), ADMIN)),
             "--group", group, "--state-dir", state],
            cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode:
        raise RuntimeError(f"bench.quix_peer failed ({result.returncode}): "
                           f"{result.stderr[-2000:]}")
    return _json_line(result.stdout, "bench.quix_peer")


def _json_line(stdout: str, name: str) -> dict[str, Any]:
    # Faust's console spinner writes terminal escapes before the JSON line.
    found = re.findall(r'\{"events".*\}', stdout)
    if not found:
        raise RuntimeError(f"no result from {name}: {stdout[-500:]!r}")
    parsed: dict[str, Any] = json.loads(found[-1])
    return parsed


BARE_JSON = "bare aiokafka + json.loads"
BARE_DECODE = "bare aiokafka + decode_event"
BARE_DECODE_ONE = "bare aiokafka + decode_event, partition 0 only"
PLAIN = "plain Faust agent + json.loads"
QUIX = "quixstreams 3.28 + decode_event"
INTAKE = "faust intake (fusion worker)"
CORRELATED = "through correlation (fusion worker)"
TARGET_VS_BARE = 0.30
TARGET_VS_QUIX = 0.50


def targets(runs: dict[str, dict[str, Any]]) -> list[Target]:
    worker = runs[CORRELATED]["per_second"]
    return [
        Target("through correlation ÷ bare aiokafka + decode_event (same topic)",
               ratio(worker, runs[BARE_DECODE]["per_second"]), TARGET_VS_BARE, ">=", "%"),
        Target("through correlation ÷ quixstreams + decode_event (same topic)",
               ratio(worker, runs[QUIX]["per_second"]), TARGET_VS_QUIX, ">=", "%"),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=900)
    args = parser.parse_args()
    connection = ConnectionSettings()
    access = kafka_access(connection, ADMIN)
    create_topics(access)
    print(f"publishing {args.events} crossings to {TOPIC}", file=sys.stderr)
    produced = publish(access, args.events, args.seed)
    runs: dict[str, dict[str, Any]] = {"publish (kafka-python, acks=all)": produced}
    decode = partial(decode_event, topic=TOPIC)
    for name, work, parts in ((BARE_JSON, json.loads, None), (BARE_DECODE, decode, None),
                              (BARE_DECODE_ONE, decode, [0])):
        runs[name] = asyncio.run(bare_consume(access, work, partitions=parts))
        print(f"  {name}: {runs[name]['per_second']} events/s", file=sys.stderr)
    runs[PLAIN] = plain_faust(args.events, timeout=args.timeout)
    print(f"  {PLAIN}: {runs[PLAIN]['per_second']} events/s", file=sys.stderr)
    runs[QUIX] = quix_peer(connection, args.events, timeout=args.timeout)
    print(f"  {QUIX}: {runs[QUIX]['per_second']} events/s", file=sys.stderr)
    worker = faust_worker(args.events, args.events,
                          args.events + produced["watchlist_entries"], admin=access,
                          timeout=args.timeout)
    runs[INTAKE], runs[CORRELATED] = worker["valid"], worker["correlated"]
    bare = runs[BARE_DECODE]["per_second"]
    write_result(
        "intake", title="Intake throughput",
        summary=(f"{args.events} crossings (seed {args.seed}) on {TOPIC} (3 partitions), read "
                 "by each consumer in turn from the first offset; rates from each one's first "
                 "record to its last (the worker's from its first valid event, by /metrics)."),
        targets=targets(runs),
        tables=[Table("Runs", ["run", "events", "seconds", "events/s", "÷ bare + decode_event"],
                      [[name, r["events"], r["seconds"], r["per_second"],
                        f"{r['per_second'] / bare:.1%}"] for name, r in runs.items()])],
        data={"events": args.events, "seed": args.seed, "runs": runs,
              "correlated_vs_bare_decode": ratio(runs[CORRELATED]["per_second"], bare),
              "correlated_vs_quixstreams": ratio(runs[CORRELATED]["per_second"],
                                                 runs[QUIX]["per_second"]),
              "intake_vs_bare_decode": ratio(runs[INTAKE]["per_second"], bare),
              "faust_vs_plain_faust": ratio(runs[INTAKE]["per_second"],
                                            runs[PLAIN]["per_second"])})
    return 0


if __name__ == "__main__":
    sys.exit(main())
