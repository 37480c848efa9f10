"""Webhook delivery end to end, on the real broker, with a real `fusion webhooks run` and a
real aiohttp receiver that verifies every POST with the `standardwebhooks` library.

Each test has its own webhook topics (``FUSION_WEBHOOKS_TOPICS_SUFFIX``), its own sender
(transactional id and groups under that suffix) and its own agency's lead topic, written as
the dispatcher writes it."""

from __future__ import annotations

import os
import signal
import subprocess
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from adapters.kafka.clients import open_producer
from adapters.kafka.topics import create_topics
from adapters.kafka.webhook_endpoints import read_endpoints
from fusion.contract import Agency, EvidenceRef, Handling, Lead, Priority, RuleHit, Tlp, lead_topic
from fusion.contract.lead import LeadStatus
from fusion.contract.principals import DASHBOARD, WEBHOOKS, WORKER, agency_principal
from fusion.contract.topics import WebhookTopics
from leads.webhooks.signing import webhook_id
from tests.factories import T0, grading
from tests.integration import partner
from tests.integration.conftest import FUSION, ROOT, Stack, free_port, metric_total, wait_until
from tests.integration.webhook_receiver import receiver

pytestmark = pytest.mark.integration


@dataclass
class World:
    stack: Stack
    topics: WebhookTopics
    env: dict[str, str]
    tmp: Path

    def fusion(self, *args: str, check: bool = True, env: dict[str, str] | None = None
               ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run([FUSION, "webhooks", *args], cwd=ROOT, text=True,
                                capture_output=True, env={**self.env, **(env or {})},
                                timeout=120, check=False)
        if check:
            assert result.returncode == 0, result.stderr
        return result

    def add(self, agency: Agency, url: str, name: str) -> str:
        out = self.fusion("add", agency.value, url, "--name", name).stdout.splitlines()
        assert out[-1].startswith("whsec_")
        return out[-1]


@pytest.fixture
def world(stack: Stack, tmp_path: Path) -> World:
    topics = WebhookTopics(f"t{uuid.uuid4().hex[:10]}")
    create_topics(stack.admin, topics.specs())
    env = {**os.environ, "FUSION_WEBHOOKS_TOPICS_SUFFIX": topics.suffix,
           "FUSION_WEBHOOKS_RETRY_BASE": "0.05", "FUSION_WEBHOOKS_RETRY_CAP": "0.3",
           "FUSION_WEBHOOKS_REFRESH_INTERVAL": "0.3", "FUSION_WEBHOOKS_REQUEST_TIMEOUT": "3"}
    return World(stack, topics, env, tmp_path)


@dataclass
class Sender:
    proc: subprocess.Popen[bytes]
    metrics: str
    log: Path

    def total(self, name: str) -> float:
        return metric_total(self.metrics, name)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            pytest.fail(f"the sender did not stop on SIGTERM: {self.log.read_text()[-3000:]}")


@pytest.fixture
def senders(world: World) -> Iterator[list[Sender]]:
    started: list[Sender] = []
    yield started
    for sender in started:
        if sender.proc.poll() is None:
            sender.stop()
        # shown by pytest when the test failed: what each sender did
        print(f"--- {sender.log.name} ---\n{sender.log.read_text()[-4000:]}")


def start_sender(world: World, senders: list[Sender], *, endpoints: int,
                 env: dict[str, str] | None = None) -> Sender:
    port = free_port()
    log = world.tmp / f"sender-{port}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([FUSION, "webhooks", "run"], cwd=ROOT, stdout=out,
                                stderr=subprocess.STDOUT,
                                env={**world.env, "FUSION_WEBHOOKS_METRICS_PORT": str(port),
                                     **(env or {})})
    sender = Sender(proc, f"http://127.0.0.1:{port}/metrics", log)
    senders.append(sender)

    def ready() -> bool:
        if proc.poll() is not None:
            pytest.fail(f"the sender exited {proc.returncode}: {log.read_text()[-3000:]}")
        return sender.total("fusion_webhook_endpoints_active") >= endpoints
    wait_until(ready, timeout=60, what="the sender's endpoint queues", every=0.2)
    return sender


def lead(lead_id: str, revision: int) -> Lead:
    return Lead(
        lead_id=lead_id, revision=revision, generated_at=T0, first_event_at=T0,
        last_event_at=T0, priority=Priority.PRIORITY, score=60, category="test",
        title=f"webhook test lead {lead_id} r{revision}", summary="for the webhook tests",
        contributions=[],
        rule_hits=[RuleHit(rule_id="probe", rule_version=1, title="t", explanation="t")],
        entities=[], grading=grading("B2"), handling=Handling(tlp=Tlp.GREEN, releasable_to=[]),
        evidence=[EvidenceRef(agency=Agency.EPIC, feed="watchlist", event_id="e",
                              type="watchlist.entry", occurred_at=T0, grading=grading("B2"))])


def publish(stack: Stack, agency: Agency, leads: list[Lead]) -> None:
    """Onto leads.<agency>, in this order, as the dispatcher writes them (keyed by lead)."""
    producer = open_producer(stack.admin, client_id="webhook-test")
    try:
        for item in leads:
            producer.send(lead_topic(agency), key=item.lead_id.encode(),
                          value=item.model_dump_json().encode())
        producer.flush(timeout=30)
    finally:
        producer.close()


def receipts(world: World, endpoint: str) -> list[list[str]]:
    lines = world.fusion("receipts").stdout.splitlines()
    return [line.split() for line in lines if f" {endpoint} " in line]


def test_a_receiver_down_for_a_stretch_gets_every_lead_once_in_order_signed(
        world: World, senders: list[Sender]) -> None:
    with receiver("down") as rec:
        secret = world.add(Agency.TONPD, rec.url, "t1")
        rec.secrets = [secret]
        first = start_sender(world, senders, endpoints=1)
        run = uuid.uuid4().hex[:8]
        ids = [f"L-{run}{n:024x}" for n in range(5)]
        publish(world.stack, Agency.TONPD, [lead(i, r) for r in (1, 2) for i in ids])
        wait_until(lambda: rec.refused >= 5, timeout=60, what="503 answers")
        rec.stop()  # not listening: refused connections
        wait_until(lambda: first.total("fusion_webhook_failures_total") >= rec.refused + 3,
                   timeout=60, what="failed connections")
        assert rec.delivered == []
        wait_until(lambda: first.total("fusion_webhook_oldest_undelivered_seconds") > 1,
                   timeout=30, what="the age of the oldest undelivered lead")
        assert first.stop() == 0  # a restart while nothing was delivered
        # a rotation meanwhile: the receiver knows only the new secret; both sign
        rotated = world.fusion("rotate", "tonpd.t1").stdout.splitlines()[-1]
        rec.secrets = [rotated]
        second = start_sender(world, senders, endpoints=1)
        wait_until(lambda: second.total("fusion_webhook_failures_total") >= 2, timeout=60,
                   what="the restarted sender's failures")
        rec.mode = "up"
        rec.listen()
        wanted = {webhook_id("tonpd.t1", i, r) for i in ids for r in (1, 2)}
        wait_until(lambda: rec.unique_ids() >= wanted, timeout=90,
                   what="every lead revision delivered")
        wait_until(lambda: second.total("fusion_webhook_delivered_total") >= 10, timeout=30,
                   what="every delivery's receipt committed")
        got = [r for r in rec.snapshot() if r.lead_id in ids]
        assert rec.bad_signatures == []
        assert len(got) == 10, rec.json()  # once each: no duplicates
        assert {r.webhook_id for r in got} == wanted
        for i in ids:
            assert [r.revision for r in got if r.lead_id == i] == [1, 2]  # per-lead order
        assert all(r.signatures == 2 for r in got)  # the old and the new secret
        assert second.total("fusion_webhook_dead_letters_total") == 0
        wait_until(lambda: second.total("fusion_webhook_oldest_undelivered_seconds") == 0,
                   timeout=30, what="nothing undelivered")
        metrics_text = urllib.request.urlopen(second.metrics, timeout=5).read().decode()  # noqa: S310
        assert second.stop() == 0

        # a restart after the deliveries starts from the committed offsets: one new lead,
        # nothing delivered again
        third = start_sender(world, senders, endpoints=1)
        later = f"L-{run}{99:024x}"
        publish(world.stack, Agency.TONPD, [lead(later, 1)])
        wait_until(lambda: webhook_id("tonpd.t1", later, 1) in rec.unique_ids(), timeout=60,
                   what="the lead published after the restart")
        wait_until(lambda: third.total("fusion_webhook_delivered_total") >= 1, timeout=30,
                   what="its receipt")
        assert len([r for r in rec.snapshot() if r.lead_id in {*ids, later}]) == 11
        assert third.total("fusion_webhook_attempts_total") == 1
        assert third.stop() == 0

    mine = receipts(world, "tonpd.t1")
    assert len(mine) == 11
    assert {line[5] for line in mine} == {"delivered"}
    assert "11 receipts, chain intact" in world.fusion("receipts", "--verify").stdout
    check = subprocess.run(["promtool", "check", "metrics"], input=metrics_text, text=True,
                           capture_output=True, check=False)
    assert check.returncode == 0, check.stdout + check.stderr


def test_a_receiver_answering_410_is_disabled_and_keeps_its_lead_for_a_re_enable(
        world: World, senders: list[Sender]) -> None:
    with receiver("gone") as rec:
        rec.secrets = [world.add(Agency.PCSD, rec.url, "t2")]
        sender = start_sender(world, senders, endpoints=1)
        item = lead(f"L-{uuid.uuid4().hex}", 1)
        publish(world.stack, Agency.PCSD, [item])

        def disabled() -> bool:
            listing = world.fusion("list").stdout
            return "pcsd.t2" in listing and "disabled (410 Gone" in listing
        wait_until(disabled, timeout=60, what="the endpoint disabled by its 410", every=0.3)
        assert "svc-webhooks" in world.fusion("list").stdout  # who disabled it
        assert rec.refused == 1  # no retry after a 410
        assert [line[5] for line in receipts(world, "pcsd.t2")] == ["endpoint-disabled"]
        assert sender.total("fusion_webhook_endpoints_disabled_total") == 1
        wait_until(lambda: sender.total("fusion_webhook_endpoints_active") == 0, timeout=30,
                   what="its queue stopped")

        rec.mode = "up"
        world.fusion("enable", "pcsd.t2")
        wait_until(lambda: rec.unique_ids() == {webhook_id("pcsd.t2", item.lead_id, 1)},
                   timeout=60, what="the kept lead delivered after the re-enable")
        wait_until(lambda: [line[5] for line in receipts(world, "pcsd.t2")]
                   == ["endpoint-disabled", "delivered"], timeout=30, what="its receipt")
        assert rec.refused == 1


def test_a_receiver_that_never_recovers_ends_in_the_dead_letters_and_replay_delivers(
        world: World, senders: list[Sender]) -> None:
    with receiver("down") as rec:
        rec.secrets = [world.add(Agency.EPPD, rec.url, "t3")]
        sender = start_sender(world, senders, endpoints=1,
                              env={"FUSION_WEBHOOKS_MAX_ATTEMPTS": "3"})
        run = uuid.uuid4().hex[:8]
        items = [lead(f"L-{run}{n:024x}", 1) for n in (10, 11)]
        publish(world.stack, Agency.EPPD, items)

        def dead() -> list[str]:
            return [line for line in world.fusion("dead-letters", "eppd.t3").stdout.splitlines()
                    if run in line]
        letters = wait_until(lambda: len(dead()) == 2 and dead(), timeout=60,
                             what="both deliveries dead-lettered", every=0.3)
        assert all("max-attempts after 3 attempts (last 503)" in line for line in letters)
        assert rec.refused == 6, "\n".join([*rec.refused_ids, *letters])
        assert sender.total("fusion_webhook_dead_letters_total") == 2
        assert rec.delivered == []

        rec.mode = "up"
        out = world.fusion("replay", "eppd.t3").stdout
        assert "2 dead letter(s) of eppd.t3 queued for replay" in out
        wanted = {webhook_id("eppd.t3", i.lead_id, 1) for i in items}
        wait_until(lambda: rec.unique_ids() == wanted, timeout=60, what="the replays")
        wait_until(lambda: sum(1 for line in receipts(world, "eppd.t3")
                               if line[5] == "delivered" and "replay:" in line) == 2,
                   timeout=30, what="the replays' receipts")
        assert len(rec.snapshot()) == 2  # each once
        assert rec.bad_signatures == []


def test_a_recall_reaches_a_webhook_endpoint_after_the_revision_it_recalls(
        world: World, senders: list[Sender]) -> None:
    """Dispatch writes a recall (a withdrawn revision) to the agency's topic like any
    revision (tests/integration/test_recall.py); the endpoint gets it, after the lead."""
    with receiver("up") as rec:
        rec.secrets = [world.add(Agency.CHP, rec.url, "t6")]
        start_sender(world, senders, endpoints=1)
        first = lead(f"L-{uuid.uuid4().hex}", 1)
        recall = lead(first.lead_id, 2).model_copy(update={
            "status": LeadStatus.WITHDRAWN, "status_reason": "withdrawn by HSI: false positive"})
        publish(world.stack, Agency.CHP, [first, recall])
        wait_until(lambda: len(rec.snapshot()) == 2, timeout=60, what="both revisions")
        assert [(r.revision, r.status) for r in rec.snapshot()] == [(1, "active"),
                                                                  (2, "withdrawn")]


def test_only_the_sender_reads_the_endpoints_and_nobody_but_the_admin_writes_them(
        world: World) -> None:
    stack = world.stack
    for principal in (agency_principal(Agency.TONPD), WORKER, DASHBOARD):
        with pytest.raises(partner.RefusedError, match=r"(?i)authoriz"):
            partner.read(stack.access(principal), world.topics.endpoints, {0: 0}, count=1,
                         timeout=10)
    assert read_endpoints(stack.access(WEBHOOKS), world.topics) == ()  # the sender may
    for principal in (WEBHOOKS, agency_principal(Agency.TONPD)):
        with pytest.raises(partner.RefusedError, match=r"(?i)authoriz"):
            partner.produce(stack.access(principal), world.topics.endpoints, [("x.y", "{}")])
    hsi = stack.agency(Agency.HSI)
    refused = world.fusion("list", check=False, env={
        "FUSION_KAFKA_USERNAME": hsi.username, "FUSION_KAFKA_PASSWORD": hsi.password})
    assert refused.returncode == 2
    assert hsi.password not in refused.stdout + refused.stderr
    assert "agency-hsi" in refused.stderr


def test_a_refused_url_and_a_secret_never_listed(world: World) -> None:
    refused = world.fusion("add", "HSI", "http://partner.example/hook", check=False)
    assert refused.returncode == 2
    assert "https" in refused.stderr
    secret = world.add(Agency.HSI, "https://partner.example/hook", "t5")
    listing = world.fusion("list").stdout
    assert "hsi.t5" in listing
    assert secret not in listing
    assert secret.removeprefix("whsec_") not in listing

