"""The correlate stage without Kafka: ``CorrelationStage`` and its changelog flush over the
shares the intake would write for ``bench.rules_scaling``'s stream, in one process, for
profiling and for checking that a change to the hot path leaves its output alone.

    python -m bench.stage_core [--set large] [--events 20000] [--batch 256]
    py-spy record --format raw -o core.txt -- .venv/bin/python -m bench.stage_core

Prints the CPU time of the run, the part spent turning findings into leads (``_leads``),
in the changelog flush and in the garbage collector, and two digests: of every lead record
(key and value) and of every changelog record. The clock is fixed and advances 0.1 s per
batch, so both digests depend only on the code: equal digests before and after a change
mean the same leads and the same state. No broker, no Redis (no key is watchlisted), no
progress records (each lane's watermark follows the sources it sees).

``bench.stage_scaling`` is the measure of record (a real worker on a real broker); this is
for finding where its time goes and for A/B checks, run in the same quiet moment.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import gc
import hashlib
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry

from bench.rules_scaling import build_events, rule_sets
from fusion.contract import CANDIDATE_LEADS_TOPIC, CORRELATION_PARTITIONS, EventEnvelope, feed_topic
from rules.engine.partitioning import shares
from rules.loader import RuleSet, ruleset_digest
from rules.watchlist import WatchlistEntry
from stream_apps.correlate import CorrelationStage
from stream_apps.dead_letters import RecordOrigin
from stream_apps.gc_tuning import tune_gc
from stream_apps.metrics import WorkerMetrics
from stream_apps.partition_state import PartitionStore
from stream_apps.records import InboundRecord, OutboundRecord
from stream_apps.rule_runtime import RuleRuntime

START = dt.datetime(2026, 12, 2, 12, tzinfo=dt.UTC)
TICK = 0.1  # seconds of wall time per batch
LATENESS = dt.timedelta(seconds=600)


async def _nothing_listed() -> list[WatchlistEntry]:
    """The watchlist's record of record, empty here (no Kafka)."""
    return []


@dataclass
class CoreRun:
    shares: int
    cpu_seconds: float
    leads_seconds: float
    flush_seconds: float
    gc_seconds: float
    leads: int
    lead_digest: str
    changelog_records: int
    changelog_bytes: int
    changelog_digest: str


def inbound(events: Sequence[EventEnvelope]) -> list[InboundRecord]:
    """The records the intake writes to ``internal.events`` for ``events``, as read back."""
    out = []
    for offset, event in enumerate(events):
        value = event.model_dump_json().encode()
        source = f"{feed_topic(event.agency, event.feed)}:0"
        for share in shares(event, CORRELATION_PARTITIONS):
            out.append(InboundRecord(
                RecordOrigin("internal.events", share.partition, offset, None,
                             share.key.encode()), value, source, share.primary))
    return out


def run_core(rules: RuleSet, records: Sequence[InboundRecord], *, batch: int) -> CoreRun:
    runtime = RuleRuntime(rules, "bench", LATENESS)
    runtime.compiled()
    data: dict[str, Any] = {}
    stores: dict[int, PartitionStore] = {}

    def store_for(partition: int) -> PartitionStore:
        if partition not in stores:
            stores[partition] = PartitionStore(data, "changelog", partition)
        return stores[partition]

    batches = [0]
    stage = CorrelationStage(
        runtime=runtime, seed=_nothing_listed,
        metrics=WorkerMetrics(CollectorRegistry()),
        clock=lambda: START + dt.timedelta(seconds=batches[0] * TICK), store_for=store_for,
        partitions=CORRELATION_PARTITIONS, monotonic=lambda: batches[0] * TICK)
    timed = _Timings()
    leads_of = stage._leads  # timed from outside: the stage is left as it is

    def timed_leads(*args: Any) -> list[OutboundRecord]:
        began = time.process_time()
        try:
            return leads_of(*args)
        finally:
            timed.leads += time.process_time() - began

    stage._leads = timed_leads  # type: ignore[method-assign,assignment]
    leads, changelog = hashlib.sha256(), hashlib.sha256()
    counts = {"leads": 0, "records": 0, "bytes": 0}

    async def drive() -> None:
        for start in range(0, len(records), batch):
            batches[0] += 1
            for record in await stage.handle(records[start:start + batch]):
                if record.topic == CANDIDATE_LEADS_TOPIC:
                    counts["leads"] += 1
                    leads.update(record.key + (record.value or b""))
            began = time.process_time()
            flushed = [r for store in stores.values() if store.pending for r in store.flush()]
            timed.flush += time.process_time() - began
            for record in flushed:
                counts["records"] += 1
                counts["bytes"] += len(record.value or b"")
                changelog.update(record.key + (record.value or b"-"))

    gc.callbacks.append(timed.on_gc)
    began = time.process_time()
    try:
        asyncio.run(drive())
    finally:
        gc.callbacks.remove(timed.on_gc)
    return CoreRun(len(records), time.process_time() - began, timed.leads, timed.flush,
                   timed.gc, counts["leads"], leads.hexdigest()[:16], counts["records"],
                   counts["bytes"], changelog.hexdigest()[:16])


class _Timings:
    def __init__(self) -> None:
        self.leads = self.flush = self.gc = 0.0
        self._gc_began = 0.0

    def on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_began = time.perf_counter()
        else:
            self.gc += time.perf_counter() - self._gc_began


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--set", choices=("small", "large"), default="large",
                        help="the 10 catalogue rules, or those plus the generated ones")
    parser.add_argument("--rules", type=int, default=1_000, help="size of the large set")
    parser.add_argument("--events", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=256, help="records per batch")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    if args.events < 1 or args.batch < 1:
        parser.error("--events and --batch must be at least 1")
    sets, aliases = rule_sets(args.rules)
    small, large = sets.values()
    chosen = tuple(small if args.set == "small" else large)
    rules = RuleSet(chosen, dict(aliases), {}, ruleset_digest(chosen, aliases))
    print(f"building {args.events} events (seed {args.seed})", file=sys.stderr)
    records = inbound(build_events(args.events, args.seed))
    tune_gc()  # as the worker: the prepared input frozen out of collections
    run = run_core(rules, records, batch=args.batch)
    print(f"{len(chosen)} rules: {run.shares} shares, CPU {run.cpu_seconds:.2f} s "
          f"({args.events / run.cpu_seconds:.0f} events/s), leads {run.leads_seconds:.2f} s, "
          f"changelog flush {run.flush_seconds:.2f} s, garbage collector {run.gc_seconds:.2f} s"
          f"\n{run.leads} leads (digest {run.lead_digest}), {run.changelog_records} changelog "
          f"records, {run.changelog_bytes / 1e6:.1f} MB (digest {run.changelog_digest})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
