"""``fusion audit``: the dissemination audit verifies on a clean run, answers "who received
what, when and why", and fails, naming the entry, once an entry is removed or forged on the
topic by someone with admin rights but without the audit key."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import uuid

import pytest
from kafka.structs import TopicPartition

from adapters.kafka.audit_reader import read_audit
from adapters.kafka.clients import open_admin, open_producer
from fusion.contract import Agency, lead_topic
from tests.factories import crossing, listing
from tests.integration import partner
from tests.integration.conftest import FUSION, ROOT, Stack, Worker, recorded_entries, wait_until
from tests.integration.drivers import publish

pytestmark = pytest.mark.integration


def _audit(worker: Worker, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FUSION, "audit", "--topic", worker.topics.audit, *args], cwd=ROOT,
                          env=os.environ.copy(), capture_output=True, text=True, timeout=120,
                          check=False)


@pytest.fixture(scope="module")
def audited(stack: Stack, worker: Worker) -> str:
    """A lead dispatched through the module's worker; its id."""
    plate = f"AU{uuid.uuid4().int % 100_000:05d}"
    now = dt.datetime.now(dt.UTC)
    start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
    publish(stack, [listing(plate, entry_id=f"au-{plate}", at=now - dt.timedelta(minutes=1))])
    wait_until(lambda: f"HSI/au-{plate}" in recorded_entries(stack, worker),
               timeout=30, what="the watchlist entry")
    publish(stack, [crossing(plate, event_id=f"au-x-{plate}", at=now)])
    (message,) = partner.read(stack.agency(Agency.HSI), lead_topic(Agency.HSI), start,
                              count=1, timeout=30)
    return message.key or ""


def test_a_clean_audit_verifies_and_answers_for_a_lead(worker: Worker, audited: str) -> None:
    result = _audit(worker, "verify")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "every chain is whole" in result.stdout
    shown = _audit(worker, "show", "--lead", audited)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert any(" HSI " in line and " sent " in line for line in lines), shown.stdout
    assert any(" DEA " in line and " disabled " in line for line in lines), shown.stdout


def test_a_forged_entry_is_named(stack: Stack, worker: Worker, audited: str) -> None:
    records = [r for r in read_audit(stack.admin, worker.topics.audit)
               if r.entry is not None and r.entry.lead_id == audited]
    original = records[-1]
    assert original.entry is not None
    forged = original.entry.model_copy(update={"agency": Agency.GN, "seq": original.entry.seq + 1,
                                               "prev": original.entry.mac})
    producer = open_producer(stack.admin, client_id="audit-forger")
    try:  # the admin may write the topic, but cannot seal an entry without the key
        metadata = producer.send(worker.topics.audit, value=forged.model_dump_json().encode(),
                                 key=audited.encode(), partition=original.partition
                                 ).get(timeout=30)
    finally:
        producer.close()
    result = _audit(worker, "verify")
    assert result.returncode == 1, result.stdout
    assert f"chain {original.partition}, offset {metadata.offset}" in result.stdout
    assert "mac does not match" in result.stdout


def test_deleted_entries_are_named(stack: Stack, worker: Worker, audited: str) -> None:
    partitions = {r.partition: r.offset for r in read_audit(stack.admin, worker.topics.audit)
                  if r.entry is not None and r.entry.seq == 0}
    partition, first = sorted(partitions.items())[0]
    admin = open_admin(stack.admin, client_id="audit-deleter")
    try:
        admin.delete_records({TopicPartition(worker.topics.audit, partition): first + 1})
    finally:
        admin.close()
    result = _audit(worker, "verify")
    assert result.returncode == 1, result.stdout
    assert f"chain {partition}," in result.stdout
    assert "entries 0-0 are gone" in result.stdout
