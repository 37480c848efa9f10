"""A real ``fusion worker`` for the benches of issue 13, in a little world of its own, watched
from outside: its /metrics page, its process in /proc (RSS, CPU time), and kill -9.

Each ``WorkerWorld`` has its own app id (consumer group, Faust's topics, transactional ids;
it starts with ``fusion-worker``, the prefix the ``svc-worker`` principal's ACLs grant), Redis
prefix, web port, Faust data folder, and its own audit and watchlist-record topics (so one
worker's audit does not make another's dispatch drop its leads as decided before, and a
worker's Redis is not rebuilt from another's watchlist). The subscriptions topic may be
shared. The topics are made by the admin (``prepare``): the worker principal may not create
``audit.*`` or ``state.*``.

The worker runs as ``svc-worker`` (its credentials from the stack's folder, as ``fusion
worker`` resolves them); the event-time limits are set explicitly (``EVENT_TIME_ENV``):
the corridor scenario compresses event time, so its events run days ahead of the wall clock.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kafka import TopicPartition
from kafka.admin import NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError
from kafka.structs import OffsetAndMetadata

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_admin, open_consumer
from bench.stage_worker import free_port, process_cpu_seconds
from fusion.contract import (
    AUDIT_TOPIC,
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_TOPIC,
    SUBSCRIPTIONS_TOPIC,
    WATCHLIST_STATE_TOPIC,
)
from fusion.contract.principals import WORKER_APP_PREFIX

ROOT = Path(__file__).resolve().parents[1]
RUNS = ROOT / ".run" / "bench-workers"
PR_SET_PDEATHSIG = 1  # prctl(2)
TEN_YEARS = 10 * 365 * 86400
# Events from the corridor scenario run days or weeks ahead of the wall clock (event time is
# compressed), and the rule-scaling stream is stamped in the past: the intake's limits on
# believable event time (FUSION_MAX_CLOCK_SKEW, FUSION_MAX_EVENT_AGE) are set wide.
EVENT_TIME_ENV = {"FUSION_MAX_CLOCK_SKEW": str(TEN_YEARS), "FUSION_MAX_EVENT_AGE": str(TEN_YEARS)}

# Counters read off /metrics, each summed over its labels.
COUNTERS = {"valid": "fusion_events_valid_total", "correlated": "fusion_events_correlated_total",
            "leads": "fusion_leads_generated_total", "late": "fusion_late_events_total",
            "dead_letters": "fusion_dead_letters_total",
            "decisions": "fusion_dispatch_decisions_total"}
BATCHES = "fusion_batch_records_count"  # per stage: batches handled


def parse_page(text: str) -> dict[str, float]:
    """Every sample of a Prometheus text page: ``name{labels}`` -> value."""
    samples: dict[str, float] = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        with contextlib.suppress(ValueError):
            samples[name] = float(value)
    return samples


def summed(samples: Mapping[str, float], metric: str) -> float:
    """A metric's samples summed over their labels (0 when absent)."""
    return sum(v for name, v in samples.items() if name.partition("{")[0] == metric)


def batches_by_stage(samples: Mapping[str, float]) -> dict[str, int]:
    """Batches each stage has handled (``fusion_batch_records_count{stage=...}``)."""
    out: dict[str, int] = {}
    for name, value in samples.items():
        metric, _, labels = name.partition("{")
        if metric == BATCHES and 'stage="' in labels:
            out[labels.split('stage="', 1)[1].split('"', 1)[0]] = int(value)
    return out


def rss_bytes(pid: int) -> int | None:
    """Resident set size of ``pid`` (``VmRSS`` in /proc/<pid>/status), None when gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


@dataclass(frozen=True)
class WorkerWorld:
    app_id: str
    redis_prefix: str
    subscriptions_topic: str
    audit_topic: str
    watchlist_topic: str
    data_dir: Path
    web_port: int = field(default_factory=free_port)

    @classmethod
    def new(cls, name: str, *, subscriptions_topic: str) -> WorkerWorld:
        run_id = f"{name}-{uuid.uuid4().hex[:8]}"
        return cls(app_id=f"{WORKER_APP_PREFIX}-bench-{run_id}", redis_prefix=f"bench-{run_id}:",
                   subscriptions_topic=subscriptions_topic,
                   audit_topic=f"{AUDIT_TOPIC}.bench-{run_id}",
                   watchlist_topic=f"{WATCHLIST_STATE_TOPIC}.bench-{run_id}",
                   data_dir=RUNS / run_id)

    def env(self) -> dict[str, str]:
        return {"FUSION_APP_ID": self.app_id, "FUSION_WEB_PORT": str(self.web_port),
                "FUSION_REDIS_PREFIX": self.redis_prefix,
                "FUSION_AUTO_OFFSET_RESET": "earliest",
                "FUSION_SUBSCRIPTIONS_TOPIC": self.subscriptions_topic,
                "FUSION_AUDIT_TOPIC": self.audit_topic,
                "FUSION_WATCHLIST_STATE_TOPIC": self.watchlist_topic,
                "FUSION_DATA_DIR": str(self.data_dir / "faust"), **EVENT_TIME_ENV}


def bench_subscriptions_topic(name: str) -> str:
    return f"{SUBSCRIPTIONS_TOPIC}.bench-{name}-{uuid.uuid4().hex[:8]}"


def create_own_topics(admin_access: KafkaAccess, *, subscriptions: str | None = None,
                      audit: str | None = None, watchlist: str | None = None) -> None:
    """The admin makes a world's topics (as ``fusion topics create`` makes the shared ones)."""
    wanted = []
    if subscriptions:
        wanted.append(NewTopic(subscriptions, 1, 1, topic_configs={"cleanup.policy": "compact"}))
    if audit:
        wanted.append(NewTopic(audit, 3, 1, topic_configs={"retention.ms": "-1"}))
    if watchlist:
        wanted.append(NewTopic(watchlist, 1, 1, topic_configs={"cleanup.policy": "compact"}))
    admin = open_admin(admin_access, client_id="bench-topics")
    try:
        with contextlib.suppress(TopicAlreadyExistsError):
            admin.create_topics(wanted)
    finally:
        admin.close()
    wait_for_leaders(admin_access, [t.name for t in wanted])


def wait_for_leaders(access: KafkaAccess, topics: Sequence[str], *, timeout: float = 30) -> None:
    """Until every partition of ``topics`` answers an offset query (a new topic's leaders
    serve a few seconds after it is made)."""
    deadline = time.monotonic() + timeout
    consumer = open_consumer(access, client_id="bench-topics", request_timeout_ms=5000)
    try:
        while True:
            try:
                parts = [TopicPartition(t, p) for t in topics
                         for p in sorted(consumer.partitions_for_topic(t) or ())]
                if len(parts) >= len(topics):
                    consumer.end_offsets(parts)
                    return
            except KafkaError:
                pass
            if time.monotonic() > deadline:
                raise WorkerDiedError(f"no serving leader for {', '.join(topics)} after "
                                      f"{timeout:g} s")
            time.sleep(0.2)  # polling the broker for the condition above
    finally:
        consumer.close()


def prepare(admin_access: KafkaAccess, world: WorkerWorld) -> None:
    """Make the world's own topics and start its group at the current end of the internal
    topics, which hold earlier workers' records (its feeds are read from the first offset)."""
    create_own_topics(admin_access, audit=world.audit_topic, watchlist=world.watchlist_topic)
    commit_at_end(admin_access, world.app_id, [CORRELATION_TOPIC, CANDIDATE_LEADS_TOPIC])


def commit_at_end(access: KafkaAccess, group: str, topics: Sequence[str]) -> None:
    consumer = open_consumer(access, client_id="bench-worker", group_id=group)
    try:
        partitions = [TopicPartition(topic, p) for topic in topics
                      for p in sorted(consumer.partitions_for_topic(topic) or ())]
        ends = consumer.end_offsets(partitions)
        consumer.commit({tp: OffsetAndMetadata(end, "", -1) for tp, end in ends.items()})
    finally:
        consumer.close()


class WorkerDiedError(RuntimeError):
    pass


_LIBC = ctypes.CDLL(None, use_errno=True)  # loaded here: the child only calls into it


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGKILL when the bench dies, so a bench stopped
    half-way leaves no worker behind (one left over kept logging in, with its old password,
    to the next bench's fresh broker, hundreds of times a second). It only calls prctl: the
    bench has threads, and a child of a threaded parent must not load or lock anything."""
    _LIBC.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


class BenchWorker:
    """One ``fusion worker`` process of a world; ``start`` again after ``kill`` or ``stop``
    for a restart (same group, same Faust data folder, same Redis prefix)."""

    def __init__(self, world: WorkerWorld, *, env: Mapping[str, str] | None = None) -> None:
        self.world = world
        self.extra_env = dict(env or {})
        self.proc: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0  # perf_counter at the last start
        self.starts = 0
        world.data_dir.mkdir(parents=True, exist_ok=True)
        self.log = world.data_dir / "worker.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.world.web_port}/metrics"

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise WorkerDiedError("the worker was never started")
        return self.proc.pid

    def start(self) -> None:
        env = {**os.environ, **self.world.env(), **self.extra_env}
        fusion = str(Path(sys.executable).with_name("fusion"))
        self.starts += 1
        with self.log.open("ab") as out:
            out.write(f"\n==== start {self.starts} ====\n".encode())
            out.flush()
            self.started_at = time.perf_counter()
            self.proc = subprocess.Popen([fusion, "worker"], cwd=ROOT, env=env,  # noqa: S603
                                         stdout=out, stderr=subprocess.STDOUT,
                                         preexec_fn=_die_with_parent)

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """kill -9: no shutdown, no commit, no leaving the group."""
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.kill()

    def samples(self) -> dict[str, float] | None:
        """The metrics page's samples; None while it does not answer."""
        try:
            with urllib.request.urlopen(self.url, timeout=2) as response:  # noqa: S310 (loopback)
                return parse_page(response.read().decode())
        except OSError:
            return None

    def counters(self, samples: Mapping[str, float]) -> dict[str, float]:
        return {key: summed(samples, metric) for key, metric in COUNTERS.items()}

    def rss(self) -> int | None:
        return rss_bytes(self.pid)

    def cpu_seconds(self) -> float | None:
        return process_cpu_seconds(self.pid)

    def wait_for(self, done: Callable[[dict[str, float]], bool], *, timeout: float, what: str,
                 every: float = 0.2, show: bool = True) -> dict[str, float]:
        """Poll /metrics until ``done(counters)``; the counters then. Raises ``WorkerDiedError``
        when the process exits or ``timeout`` passes."""
        deadline = time.monotonic() + timeout
        counts = dict.fromkeys(COUNTERS, 0.0)
        while True:
            if not self.alive():
                raise WorkerDiedError(f"the worker exited while waiting for {what}; see {self.log}")
            samples = self.samples()
            if samples is not None:
                counts = self.counters(samples)
                if done(counts):
                    if show:
                        print(file=sys.stderr)
                    return counts
            if time.monotonic() > deadline:
                raise WorkerDiedError(f"timed out after {timeout:g} s waiting for {what} (at "
                                 f"{ {k: int(v) for k, v in counts.items()} }); see {self.log}")
            if show:
                print(f"  {what}: valid {counts['valid']:.0f}, correlated "
                      f"{counts['correlated']:.0f}, leads {counts['leads']:.0f}   ",
                      end="\r", file=sys.stderr)
            time.sleep(every)  # sampling interval of a poll, not a wait standing for a result

    def wait_assigned(self, timeout: float = 120) -> None:
        """Until the correlate agent has handled a batch: the worker's 1 s ticks reach it
        once its partitions are assigned (the intake's come in the same rebalance)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.alive():
            samples = self.samples()
            if samples is not None and batches_by_stage(samples).get("correlate", 0) > 0:
                return
            time.sleep(0.2)  # polling interval
        raise WorkerDiedError(f"the worker was not assigned after {timeout:g} s; "
                              f"see {self.log}")
