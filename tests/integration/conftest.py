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
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import redis

from fusion.commands.topics_cmd import create_topics
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
from producers.publisher import FeedPublisher
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


@pytest.fixture(scope="session")
def worker(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Worker]:
    run_id = uuid.uuid4().hex[:10]
    prefix = f"test-{run_id}:"
    for sub in SUBSCRIBERS:
        stack.redis.hset(f"{prefix}subscriptions", sub.agency.value, sub.model_dump_json())
    web_port = free_port()
    tmp = tmp_path_factory.mktemp("worker")
    log_path = tmp / "worker.log"
    env = {**os.environ, "FUSION_APP_ID": f"fusion-test-{run_id}", "FUSION_REDIS_PREFIX": prefix,
           "FUSION_WEB_PORT": str(web_port), "FUSION_AUTO_OFFSET_RESET": "latest",
           "FUSION_DATA_DIR": str(tmp / "faust")}
    with log_path.open("wb") as log:
        proc = subprocess.Popen([FUSION, "worker"], cwd=ROOT, env=env, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        _wait_ready(stack, prefix, proc, log_path)
        yield Worker(prefix, f"http://127.0.0.1:{web_port}/metrics", log_path)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        for key in stack.redis.scan_iter(f"{prefix}*"):
            stack.redis.delete(key)


def _wait_ready(stack: Stack, prefix: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    """Both agents are consuming once a probe sent after their assignment has had its effect.
    With auto_offset_reset=latest a probe sent earlier is skipped, so probes repeat."""
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=stack.bootstrap, acks="all")
    publisher = FeedPublisher(stack.bootstrap, client_id="readiness-probe")
    deadline = time.monotonic() + READY_TIMEOUT
    intake_ok = dispatch_ok = False
    try:
        while not (intake_ok and dispatch_ok):
            if proc.poll() is not None:
                pytest.fail(f"worker exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"worker not ready after {READY_TIMEOUT}s:\n{log.read_text()[-3000:]}")
            probe_id = uuid.uuid4().hex[:12]
            if not intake_ok:
                event = listing(f"PRB{probe_id[:6]}", entry_id=f"probe-{probe_id}",
                                at=dt.datetime.now(dt.UTC))
                publisher.publish([event])
            lead = _probe_lead()
            if not dispatch_ok:
                producer.send(CANDIDATE_LEADS_TOPIC, key=lead.lead_id.encode(),
                              value=lead.model_dump_json().encode()).get(timeout=30)
            until = time.monotonic() + 2
            while time.monotonic() < until and not (intake_ok and dispatch_ok):
                intake_ok = intake_ok or bool(
                    stack.redis.exists(f"{prefix}wl:entry:HSI/probe-{probe_id}"))
                dispatch_ok = dispatch_ok or bool(
                    stack.redis.exists(f"{prefix}audit:lead:{lead.lead_id}"))
                time.sleep(0.05)
    finally:
        producer.close()
        publisher.close()
