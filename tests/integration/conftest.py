"""Integration fixtures: the real Kafka broker and Redis server that ``make test`` (deploy/)
starts, and one real ``fusion worker`` process per test session with its own consumer group
and Redis prefix, so a run never reads another run's state."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from adapters.kafka.feed_publisher import FeedPublisher
from adapters.kafka.topics import create_topics
from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    Agency,
    EvidenceRef,
    Handling,
    Lead,
    Priority,
    RuleHit,
    Tlp,
)
from fusion.settings import ConnectionSettings
from leads.subscriptions import Subscription
from tests.factories import T0, grading, listing

ROOT = Path(__file__).resolve().parents[2]
FUSION = str(Path(sys.executable).with_name("fusion"))
READY_TIMEOUT = 120.0

SUBSCRIBERS = (
    Subscription(agency=Agency.HSI),
    Subscription(agency=Agency.CBP_OFO),
    Subscription(agency=Agency.ANAM),
    Subscription(agency=Agency.DEA, enabled=False),
)


def wait_until(condition: Callable[[], Any], *, timeout: float, what: str,
               every: float = 0.05) -> Any:
    """Poll ``condition`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        time.sleep(every)


def metric_value(url: str, name: str, labels: str = "") -> float:
    """One sample of a worker's /metrics (0 when absent or unreachable)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            text = response.read().decode()
    except OSError:
        return 0.0
    prefix = f"{name}{{{labels}}} " if labels else f"{name} "
    for line in text.splitlines():
        if line.startswith(prefix):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Stack:
    bootstrap: str
    redis_url: str
    redis: redis.Redis


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    settings = ConnectionSettings()
    host, port = settings.kafka_bootstrap.rsplit(":", 1)
    if not _reachable(host, int(port)):
        pytest.fail(f"no Kafka broker at {settings.kafka_bootstrap}: run 'make up' "
                    "(or 'make test', which starts it)")
    client = redis.Redis.from_url(settings.redis_url)
    try:
        client.ping()
    except redis.RedisError as exc:
        pytest.fail(f"no Redis at {settings.redis_url} ({exc}): run 'make up'")
    for tool in ("kcat", "promtool"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is not installed: run 'make install'")
    create_topics(settings.kafka_bootstrap)
    yield Stack(settings.kafka_bootstrap, settings.redis_url, client)
    client.close()


@dataclass(frozen=True)
class Worker:
    prefix: str
    metrics_url: str
    log: Path
    app_id: str  # FUSION_APP_ID: its consumer group and topic prefix


def _probe_lead() -> Lead:
    lead_id = "L-" + uuid.uuid4().hex
    return Lead(
        lead_id=lead_id, revision=1, generated_at=T0, first_event_at=T0, last_event_at=T0,
        priority=Priority.ROUTINE, score=0, category="probe", title="readiness probe",
        summary="released to nobody", contributions=[],
        rule_hits=[RuleHit(rule_id="probe", rule_version=1, title="probe", explanation="probe")],
        entities=[], grading=grading("F6"), handling=Handling(tlp=Tlp.RED, releasable_to=[]),
        evidence=[EvidenceRef(agency=Agency.EPIC, feed="watchlist", event_id="probe",
                              type="probe.probe", occurred_at=T0, grading=grading("F6"))],
    )


def launch_worker(stack: Stack, tmp: Path, *, run_id: str, prefix: str,
                  extra_env: dict[str, str] | None = None,
                  ) -> tuple[subprocess.Popen[bytes], Worker]:
    """Start ``fusion worker`` (consumer group ``fusion-test-<run_id>``) and wait until its
    intake, correlate and dispatch agents all consume."""
    web_port = free_port()
    log_path = tmp / f"worker-{web_port}.log"
    app_id = f"fusion-test-{run_id}"
    env = {**os.environ, "FUSION_APP_ID": app_id, "FUSION_REDIS_PREFIX": prefix,
           "FUSION_WEB_PORT": str(web_port), "FUSION_AUTO_OFFSET_RESET": "latest",
           "FUSION_SESSION_TIMEOUT": "8",
           # Short event-time lateness and idle step, so stateful rules close within seconds.
           "FUSION_ALLOWED_LATENESS": "3", "FUSION_IDLE_AFTER": "1",
           "FUSION_DATA_DIR": str(tmp / "state" / "faust"),  # parents made by the worker
           **(extra_env or {})}
    with log_path.open("wb") as log:
        proc = subprocess.Popen([FUSION, "worker"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    worker = Worker(prefix, f"http://127.0.0.1:{web_port}/metrics", log_path, app_id)
    try:
        _wait_ready(stack, worker, proc)
    except BaseException:
        stop_worker(proc)
        raise
    return proc, worker


def stop_worker(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def subscribe(stack: Stack, prefix: str) -> None:
    for sub in SUBSCRIBERS:
        stack.redis.hset(f"{prefix}subscriptions", sub.agency.value, sub.model_dump_json())


def forget(stack: Stack, prefix: str) -> None:
    for key in stack.redis.scan_iter(f"{prefix}*"):
        stack.redis.delete(key)


@pytest.fixture(scope="module")
def worker(stack: Stack, tmp_path_factory: pytest.TempPathFactory,
           request: pytest.FixtureRequest) -> Iterator[Worker]:
    """One worker per test module: modules run one after another, so only one worker group
    reads the shared topics at a time and a lead on an agency topic has one author. A module
    may set ``WORKER_ENV`` (extra FUSION_* settings of its worker)."""
    run_id = uuid.uuid4().hex[:10]
    prefix = f"test-{run_id}:"
    subscribe(stack, prefix)
    proc, worker = launch_worker(stack, tmp_path_factory.mktemp("worker"), run_id=run_id,
                                 prefix=prefix,
                                 extra_env=getattr(request.module, "WORKER_ENV", None))
    try:
        yield worker
    finally:
        stop_worker(proc)
        forget(stack, prefix)


def _wait_ready(stack: Stack, worker: Worker, proc: subprocess.Popen[bytes]) -> None:
    """The agents are consuming once a probe sent after their assignment has had its effect
    (a watchlist entry in Redis, an event correlated, a probe lead audited). With
    auto_offset_reset=latest a probe sent earlier is skipped, so probes repeat."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    publisher = FeedPublisher(stack.bootstrap, client_id="readiness-probe")
    deadline = time.monotonic() + READY_TIMEOUT
    prefix, log = worker.prefix, worker.log
    intake_ok = dispatch_ok = correlate_ok = False
    try:
        while not (intake_ok and dispatch_ok and correlate_ok):
            if proc.poll() is not None:
                pytest.fail(f"worker exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"worker not ready after {READY_TIMEOUT}s:\n{log.read_text()[-3000:]}")
            probe_id = uuid.uuid4().hex[:12]
            if not (intake_ok and correlate_ok):
                event = listing(f"PRB{probe_id[:6]}", entry_id=f"probe-{probe_id}",
                                at=dt.datetime.now(dt.UTC))
                publisher.publish([event])
            lead = _probe_lead()
            if not dispatch_ok:
                producer.send(CANDIDATE_LEADS_TOPIC, key=lead.lead_id.encode(),
                              value=lead.model_dump_json().encode()).get(timeout=30)
            until = time.monotonic() + 2
            while time.monotonic() < until and not (intake_ok and dispatch_ok and correlate_ok):
                intake_ok = intake_ok or bool(
                    stack.redis.exists(f"{prefix}wl:entry:HSI/probe-{probe_id}"))
                dispatch_ok = dispatch_ok or bool(
                    stack.redis.exists(f"{prefix}audit:lead:{lead.lead_id}"))
                correlate_ok = correlate_ok or metric_value(
                    worker.metrics_url, "fusion_events_correlated_total") > 0
                time.sleep(0.05)
    finally:
        producer.close()
        publisher.close()
