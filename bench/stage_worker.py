"""One timed ``fusion worker`` of ``bench.stage_scaling``: started on a rule set written as a
catalogue, with its own app id (consumer group), Redis prefix, rules topic and web port;
timed from its first correlated event to its N-th by polling its /metrics page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from kafka import TopicPartition
from kafka.structs import OffsetAndMetadata

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer
from bench.rule_files import write_catalogue
from fusion.contract import CANDIDATE_LEADS_TOPIC, CORRELATION_TOPIC, RULE_SETS_TOPIC
from rules.language import RuleSpec

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / ".run" / "bench-stage"
# The worker's Prometheus counters read here (every label summed).
COUNTERS = {"valid": "fusion_events_valid_total", "correlated": "fusion_events_correlated_total",
            "leads": "fusion_leads_generated_total", "late": "fusion_late_events_total",
            "dead_letters": "fusion_dead_letters_total"}


@dataclass(frozen=True)
class WorkerRun:
    events: int  # counted in the timed interval (N minus those correlated at the first sample)
    seconds: float
    cpu_seconds: float | None  # the worker process's user + system CPU time in the interval
    startup_seconds: float  # from start to the first correlated event (not timed)
    counters: dict[str, int]  # at the N-th correlated event


def counter_sums(text: str, names: Mapping[str, str]) -> dict[str, float]:
    """The value of each counter in a Prometheus text page, summed over its labels."""
    sums = dict.fromkeys(names, 0.0)
    by_metric = {metric: key for key, metric in names.items()}
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        sample, _, value = line.rpartition(" ")
        key = by_metric.get(sample.partition("{")[0])
        if key is not None:
            sums[key] += float(value)
    return sums


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process ``pid`` (Linux /proc), None where not available."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rpartition(")")[2].split()  # after the command name, which may hold spaces
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_at_end(access: KafkaAccess, group: str, topics: Sequence[str]) -> None:
    """Commit the current end of ``topics`` for ``group``, so a new worker of that group reads
    only what is written after now (the internal topics hold earlier workers' records)."""
    consumer = open_consumer(access, client_id="bench-stage", group_id=group)
    try:
        partitions = [TopicPartition(topic, p) for topic in topics
                      for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(end, "", -1) for tp, end in ends.items()})
    finally:
        consumer.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def run_worker(rules: Sequence[RuleSpec], aliases: Mapping[str, Sequence[str]], *, events: int,
               access: KafkaAccess, timeout: float,
               prepare: Callable[[str, str], object]) -> WorkerRun:
    """Start a worker on ``rules``; ``prepare(redis_prefix, rules_topic)`` runs first."""
    run_id = uuid.uuid4().hex[:8]
    app_id, prefix = f"fusion-worker-stage-{run_id}", f"stage-{run_id}:"
    topic = f"{RULE_SETS_TOPIC}.bench-{run_id}"  # the worker principal reads control.rule-sets*
    folder = RUNS / run_id
    folder.mkdir(parents=True, exist_ok=True)
    start_at_end(access, app_id, [CORRELATION_TOPIC, CANDIDATE_LEADS_TOPIC])
    prepare(prefix, topic)
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="stage-rules-") as catalogue:
        write_catalogue(rules, aliases, Path(catalogue))
        env = {**os.environ, "FUSION_APP_ID": app_id, "FUSION_WEB_PORT": str(port),
               "FUSION_REDIS_PREFIX": prefix, "FUSION_AUTO_OFFSET_RESET": "earliest",
               "FUSION_RULES_DIR": catalogue, "FUSION_RULES_TOPIC": topic,
               # The events are stamped from bench.rules_scaling.START (2026-01-05) on, older
               # than the intake's default FUSION_MAX_EVENT_AGE (7 days) takes.
               "FUSION_MAX_EVENT_AGE": str(10 * 365 * 86400),
               "FUSION_DATA_DIR": str(folder / "faust")}
        log = folder / "worker.log"
        fusion = str(Path(sys.executable).with_name("fusion"))
        with log.open("wb") as out:
            proc = subprocess.Popen([fusion, "worker"], cwd=ROOT, env=env,  # noqa: S603
                                    stdout=out, stderr=subprocess.STDOUT)
        try:
            return _time_worker(proc, f"http://127.0.0.1:{port}/metrics", events=events,
                                timeout=timeout, log=log)
        finally:
            proc.terminate()
            proc.wait(timeout=60)


def _time_worker(proc: subprocess.Popen[bytes], url: str, *, events: int, timeout: float,
                 log: Path) -> WorkerRun:
    started = time.perf_counter()
    deadline = time.monotonic() + timeout
    counts = dict.fromkeys(COUNTERS, 0.0)
    page = ""
    first: tuple[float, float | None, float] | None = None  # wall, CPU, count at first sample
    while counts["correlated"] < events:
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"worker stopped or timed out at {counts} of {events}; "
                               f"see {log}")
        # sampling interval of the progress poll, not a wait for a result; each poll renders
        # the worker's /metrics page (every 50 ms cost the worker 5% of its CPU)
        time.sleep(0.1)
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
                page = response.read().decode()
        except OSError:
            continue  # the metrics page does not answer yet
        counts = counter_sums(page, COUNTERS)
        now, cpu = time.perf_counter(), process_cpu_seconds(proc.pid)
        if first is None and counts["correlated"] > 0:
            first = (now, cpu, counts["correlated"])
        print(f"  valid {counts['valid']:.0f}, correlated {counts['correlated']:.0f} of "
              f"{events}", end="\r", file=sys.stderr)
    print(file=sys.stderr)
    log.with_name("metrics.txt").write_text(page)  # the page at the N-th event, for a look
    if first is None or first[2] >= events:
        raise RuntimeError(f"all {events} events were correlated before the first sample; "
                           "give --events more")
    first_at, first_cpu, first_count = first
    cpu_seconds = (cpu - first_cpu) if cpu is not None and first_cpu is not None else None
    return WorkerRun(events=int(events - first_count), seconds=now - first_at,
                     cpu_seconds=cpu_seconds, startup_seconds=first_at - started,
                     counters={key: int(value) for key, value in counts.items()})
