"""A real ``fusion escalation serve`` process for the integration tests: its own policy and
audit topics, the module worker's audit and app id, an ingest keys file, a free port."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from kafka.admin import NewTopic
from kafka.errors import TopicAlreadyExistsError

from adapters.kafka.clients import open_admin, open_producer
from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    Agency,
    Country,
    EvidenceRef,
    Feed,
    Lead,
    Priority,
    RuleHit,
    Tlp,
)
from fusion.contract.principals import ESCALATION
from fusion.contract.topics import ESCALATION_AUDIT_TOPIC, ESCALATION_TOPIC
from fusion.contract.triage import TriageAction
from producers.ingest.keys_file import add_key
from tests.factories import grading, handling
from tests.integration import partner
from tests.integration.conftest import (
    FUSION,
    ROOT,
    Stack,
    Worker,
    free_port,
    metric_total,
    wait_until,
)


@dataclass
class Service:
    run_id: str
    env: dict[str, str]
    url: str
    log: Path
    policies: str
    audit: str
    hsi_key: str
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen([FUSION, "escalation", "serve"], cwd=ROOT,
                                         env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._healthy, timeout=60, what="the escalation service caught up")

    def stop(self) -> None:
        if self.proc is None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.proc = None

    def metric(self, name: str) -> float:
        return metric_total(f"{self.url}/metrics", name)

    def _healthy(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"escalation service exited {self.proc.returncode}:\n"
                                 f"{self.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as response:  # noqa: S310
                return bool(response.status == 200)
        except OSError:
            return False

    def policy(self, agency: Agency, *args: str) -> None:
        subprocess.run([FUSION, "escalation", "--topic", self.policies, "set", agency.value,
                        *args], cwd=ROOT, env=self.env, check=True, capture_output=True,
                       timeout=60)


def make_service(stack: Stack, worker: Worker, tmp: Path) -> Service:
    run_id = uuid.uuid4().hex[:10]
    policies = f"{ESCALATION_TOPIC}.test-{run_id}"
    audit = f"{ESCALATION_AUDIT_TOPIC}.test-{run_id}"
    admin = open_admin(stack.admin, client_id="test-escalation-topics")
    try:
        with contextlib.suppress(TopicAlreadyExistsError):
            admin.create_topics([
                NewTopic(policies, 1, 1, topic_configs={"cleanup.policy": "compact"}),
                NewTopic(audit, 1, 1, topic_configs={"retention.ms": "-1"})])
    finally:
        admin.close()
    for topic in (policies, audit):
        wait_until(lambda t=topic: bool(partner.end_offsets(stack.admin, t)), timeout=30,
                   what=f"a leader for {topic}")
    keys = tmp / "ingest-keys.json"
    hsi_key = add_key(keys, Agency.HSI, now=dt.datetime.now(dt.UTC))
    port = free_port()
    env = {**os.environ, "FUSION_AUDIT_TOPIC": worker.topics.audit,
           "FUSION_ESCALATION_TOPIC": policies, "FUSION_ESCALATION_AUDIT_TOPIC": audit,
           "FUSION_APP_ID": worker.app_id, "FUSION_ESCALATION_ID": f"{ESCALATION}-test-{run_id}",
           "FUSION_ESCALATION_PORT": str(port), "FUSION_INGEST_KEYS_FILE": str(keys),
           "FUSION_HORIZON": "3600"}
    return Service(run_id, env, f"http://127.0.0.1:{port}", tmp / "escalation.log", policies,
                   audit, hsi_key)


def flash_lead(category: str = "escalation-test", *, tlp: Tlp = Tlp.GREEN) -> Lead:
    """A FLASH lead releasable to US agencies (HSI and CBP-OFO of the test subscribers)."""
    now = dt.datetime.now(dt.UTC)
    return Lead(
        lead_id="L-" + uuid.uuid4().hex, revision=1, generated_at=now, first_event_at=now,
        last_event_at=now, priority=Priority.FLASH, score=90, category=category,
        title="escalation test", summary="a FLASH lead", contributions=[],
        rule_hits=[RuleHit(rule_id="escalation-test", rule_version=1, title="t",
                           explanation="e")],
        entities=[], grading=grading("B2"), handling=handling(tlp, Country.USA),
        evidence=[EvidenceRef(agency=Agency.CBP_OFO, feed=Feed.POE_CROSSINGS,
                              event_id=f"x-{uuid.uuid4().hex[:8]}", type="poe.crossing",
                              occurred_at=now, grading=grading("B2"))])


def candidate(stack: Stack, *leads: Lead) -> None:
    """Put leads on internal.leads as the correlate stage would."""
    producer = open_producer(stack.admin, client_id="test-escalation-leads")
    try:
        for lead in leads:
            producer.send(CANDIDATE_LEADS_TOPIC, key=lead.lead_id.encode(),
                          value=lead.model_dump_json().encode()).get(timeout=30)
    finally:
        producer.close()


def ack(lead: Lead, agency: Agency, *, channel: str = "kafka", kind: str = "acknowledge",
        actor: str = "desk-1") -> str:
    return TriageAction.model_validate({
        "action_id": str(uuid.uuid4()), "lead_id": lead.lead_id, "revision": lead.revision,
        "kind": kind, "agency": agency, "actor": actor, "channel": channel,
        "at": dt.datetime.now(dt.UTC)}).model_dump_json()


def post_ack(service: Service, body: dict[str, object], key: str) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{service.url}/v1/acknowledgements", data=json.dumps(body).encode(), method="POST",
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())
