"""Intake throughput: the Faust worker against a bare aiokafka consumer on the same topic,
in the same run.

    python -m bench.intake --events 100000

1. publishes a watchlist and N crossings (1% watchlisted) on feeds.cbp-ofo.poe-crossings;
2. reads them back with a bare aiokafka ``getmany`` loop doing ``json.loads`` (the ceiling
   the developer guide measures against), then with ``decode_event`` (validation cost);
3. starts a real ``fusion worker`` on the same topic and times it from its first counted
   event to its N-th valid one (``fusion_events_valid_total`` on /metrics: the intake) and
   its N-th correlated one (``fusion_events_correlated_total``: through the correlate
   stage), so start-up and rebalancing are not counted;
4. writes bench/results/intake-<time>.json and .md.

Needs a broker and Redis with no other data on that topic: ``make bench`` starts a fresh
pair on spare ports (FUSION_RUN_DIR=.run/bench).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer

from adapters.kafka.access import KafkaAccess, kafka_access
from adapters.kafka.feed_publisher import FeedPublisher
from adapters.kafka.topics import create_topics
from fusion.contract import Agency, Feed, decode_event, feed_topic
from fusion.contract.principals import ADMIN
from fusion.settings import ConnectionSettings
from producers.traffic import TrafficGenerator

TOPIC = feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS)
ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def publish(access: KafkaAccess, events: int, seed: int) -> dict[str, Any]:
    traffic = TrafficGenerator(seed, hit_ratio=0.01)
    start = dt.datetime.now(dt.UTC)
    clock = (start + dt.timedelta(milliseconds=i) for i in range(events))
    crossings = traffic.crossings(clock)
    began = time.perf_counter()
    with FeedPublisher(access, client_id="bench") as publisher:
        publisher.publish(traffic.watchlist(at=start - dt.timedelta(hours=1)))
        sent = 0
        while sent < events:
            chunk = [next(crossings) for _ in range(min(10_000, events - sent))]
            publisher.publish(chunk)
            sent += len(chunk)
            print(f"  published {sent}/{events}", end="\r", file=sys.stderr)
    seconds = time.perf_counter() - began
    print(file=sys.stderr)
    return {"events": events, "seconds": round(seconds, 3), "per_second": round(events / seconds)}


async def bare_consume(access: KafkaAccess, events: int, work: Callable[[bytes], object]) -> float:
    consumer = AIOKafkaConsumer(TOPIC, **access.kafka_python(), group_id=None,
                                auto_offset_reset="earliest", enable_auto_commit=False)
    await consumer.start()
    try:
        seen = 0
        began: float | None = None
        while seen < events:
            batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
            for records in batches.values():
                if began is None:
                    began = time.perf_counter()
                for record in records:
                    work(record.value)
                seen += sum(len(r) for r in batches.values())
        assert began is not None
        return time.perf_counter() - began
    finally:
        await consumer.stop()


def faust_worker(events: int, *, timeout: float) -> dict[str, dict[str, Any]]:
    """The real worker, timed from its first valid event to its N-th valid (intake) and its
    N-th correlated event (the correlate stage, which follows the intake)."""
    run_id = uuid.uuid4().hex[:8]
    port = 16666
    env = {**os.environ, "FUSION_APP_ID": f"fusion-worker-bench-{run_id}",
           "FUSION_WEB_PORT": str(port),
           "FUSION_REDIS_PREFIX": f"bench-{run_id}:", "FUSION_AUTO_OFFSET_RESET": "earliest",
           "FUSION_DATA_DIR": str(ROOT / ".run" / "bench-faust" / run_id)}
    log = ROOT / ".run" / f"bench-worker-{run_id}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    fusion = str(Path(sys.executable).with_name("fusion"))
    with log.open("wb") as out:
        proc = subprocess.Popen([fusion, "worker"], cwd=ROOT, env=env, stdout=out,  # noqa: S603
                                stderr=subprocess.STDOUT)
    try:
        first_at: float | None = None
        done: dict[str, float] = {}
        deadline = time.monotonic() + timeout
        counts = {VALID: 0.0, CORRELATED: 0.0}
        while len(done) < len(counts):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker stopped or timed out at {counts}/{events}; "
                                   f"see {log}")
            counts = _counters(f"http://127.0.0.1:{port}/metrics", counts)
            now = time.perf_counter()
            if counts[VALID] > 0 and first_at is None:
                first_at, first_count = now, counts[VALID]
            done.update({name: now for name, n in counts.items()
                         if n >= events and name not in done})
            print(f"  fusion worker: valid {counts[VALID]:.0f}, correlated "
                  f"{counts[CORRELATED]:.0f} of {events}", end="\r", file=sys.stderr)
            time.sleep(0.05)  # sampling interval of the progress poll, not a wait for a result
        assert first_at is not None
        print(file=sys.stderr)
        measured = events - first_count
        return {name: {"events": int(measured), "seconds": round(done[name] - first_at, 3),
                       "per_second": round(measured / (done[name] - first_at))}
                for name in counts}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def plain_faust(events: int, *, timeout: float) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 (our own module, fixed arguments)
        [sys.executable, "-m", "bench.plain_faust", "--events", str(events), "--topic", TOPIC],
        cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=True)
    # Faust's console spinner writes terminal escapes before the JSON line.
    found = re.findall(r'\{"events".*\}', result.stdout)
    if not found:
        raise RuntimeError(f"no result from bench.plain_faust: {result.stdout[-500:]!r}")
    parsed: dict[str, Any] = json.loads(found[-1])
    return parsed


VALID = 'fusion_events_valid_total{feed="poe-crossings"}'
CORRELATED = "fusion_events_correlated_total"


def _counters(url: str, last: dict[str, float]) -> dict[str, float]:
    """The worker's counters of valid (intake) and correlated events; ``last`` when its
    metrics page does not answer yet."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            text = response.read().decode()
    except OSError:
        return last
    found = dict(last)
    for line in text.splitlines():
        name, _, value = line.rpartition(" ")
        if name in found:
            found[name] = float(value)
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    access = kafka_access(ConnectionSettings(), ADMIN)
    create_topics(access)
    print(f"publishing {args.events} crossings to {TOPIC}", file=sys.stderr)
    produced = publish(access, args.events, args.seed)
    runs: dict[str, Any] = {"publish (kafka-python, acks=all)": produced}
    for name, work in (("bare aiokafka + json.loads", json.loads),
                       ("bare aiokafka + decode_event", lambda v: decode_event(v, topic=TOPIC))):
        seconds = asyncio.run(bare_consume(access, args.events, work))
        runs[name] = {"events": args.events, "seconds": round(seconds, 3),
                      "per_second": round(args.events / seconds)}
        print(f"  {name}: {runs[name]['per_second']} events/s", file=sys.stderr)
    runs["plain Faust agent + json.loads"] = plain_faust(args.events, timeout=args.timeout)
    print(f"  plain Faust agent: {runs['plain Faust agent + json.loads']['per_second']} events/s",
          file=sys.stderr)
    worker = faust_worker(args.events, timeout=args.timeout)
    runs["faust intake (fusion worker)"] = worker[VALID]
    runs["through correlation (fusion worker)"] = worker[CORRELATED]
    bare = runs["bare aiokafka + json.loads"]["per_second"]
    report = {
        "benchmark": "intake", "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "events": args.events, "runs": runs,
        "faust_vs_bare_json": round(runs["faust intake (fusion worker)"]["per_second"] / bare, 3),
        "faust_vs_plain_faust": round(runs["faust intake (fusion worker)"]["per_second"]
                                      / runs["plain Faust agent + json.loads"]["per_second"], 3),
        "correlated_vs_bare_json": round(
            runs["through correlation (fusion worker)"]["per_second"] / bare, 3),
    }
    write_report(report)
    return 0


def write_report(report: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"intake-{report['at'].replace(':', '')}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    rows = "\n".join(f"| {name} | {r['events']} | {r['seconds']} | {r['per_second']} |"
                     for name, r in report["runs"].items())
    text = (f"# Intake throughput, {report['at']}\n\n{report['machine']['cpus']} CPUs, Python "
            f"{report['machine']['python']}, {report['events']} events.\n\n"
            f"| run | events | seconds | events/s |\n| --- | --- | --- | --- |\n{rows}\n\n"
            f"The Faust intake reaches **{report['faust_vs_bare_json']:.1%}** of the bare "
            f"aiokafka consumer's rate and **{report['faust_vs_plain_faust']:.0%}** of a plain "
            "Faust agent's in this run. Through the correlate stage the worker reaches "
            f"**{report['correlated_vs_bare_json']:.1%}** of the bare consumer's rate.\n")
    stem.with_suffix(".md").write_text(text)
    print(text)


if __name__ == "__main__":
    sys.exit(main())
