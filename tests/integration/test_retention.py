"""`fusion retention` on the real broker: a lead first disseminated more than five years ago
is due, one disseminated last year is not; purge records the review with what each store
still holds of the lead (its triage action, on an append-only topic kept for ever), and the
lead is not due again. Own audit, reviews and triage topics, so nothing else is mixed in."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import uuid

import pytest

from adapters.kafka.clients import open_producer
from adapters.kafka.retention import read_reviews
from adapters.kafka.topics import create_topics
from fusion.contract import Agency, Priority, Tlp
from fusion.contract.audit import AuditEntry
from fusion.contract.retention import ReviewOutcome
from fusion.contract.topics import TopicSpec
from fusion.contract.triage import TriageAction, TriageKind
from tests.integration.conftest import FUSION, ROOT, Stack

pytestmark = pytest.mark.integration
NOW = dt.datetime.now(dt.UTC)


def _entry(lead: str, at: dt.datetime) -> bytes:
    return AuditEntry(chain=0, seq=0, lead_id=lead, revision=1, agency=Agency.TONPD,
                      outcome="sent", reason="subscribed", priority=Priority.ROUTINE,
                      tlp=Tlp.GREEN, rules=["r@1"], decided_at=at, prev="",
                      mac="0" * 64).model_dump_json().encode()


def test_review_lists_what_is_due_and_purge_records_it(stack: Stack) -> None:
    run = uuid.uuid4().hex[:10]
    audit, reviews, triage = (f"audit.disseminations.r{run}", f"audit.retention-reviews.r{run}",
                              f"triage.actions.r{run}")
    create_topics(stack.admin, [TopicSpec(audit, 1), TopicSpec(reviews, 1),
                                TopicSpec(triage, 1)])
    old, recent = f"L-{uuid.uuid4().hex}", f"L-{uuid.uuid4().hex}"
    note = TriageAction(action_id=str(uuid.uuid4()), lead_id=old, revision=1,
                        kind=TriageKind.NOTE, agency=Agency.TONPD, actor="officer1",
                        channel="dashboard", at=NOW - dt.timedelta(days=5 * 365),
                        note="seen at the gate")
    producer = open_producer(stack.admin, client_id="retention-test")
    try:
        producer.send(audit, key=old.encode(), value=_entry(old, NOW - dt.timedelta(days=2000)))
        producer.send(audit, key=recent.encode(), value=_entry(recent,
                                                               NOW - dt.timedelta(days=365)))
        producer.send(triage, key=old.encode(), value=note.model_dump_json().encode())
        producer.flush(timeout=30)
    finally:
        producer.close()

    def fusion(*args: str) -> str:
        result = subprocess.run(
            [FUSION, "retention", "--audit-topic", audit, "--reviews-topic", reviews,
             "--triage-topic", triage, *args], cwd=ROOT, text=True, capture_output=True,
            env=dict(os.environ), timeout=300, check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout

    listed = fusion("review")
    assert "1 lead(s) due" in listed
    assert old in listed
    assert recent not in listed
    assert f"{triage} 1" in listed  # where its content still is

    out = fusion("purge", "--all-due", "--reason", "five-year review")
    assert f"{old} purged" in out
    assert (f"{triage}: 1 record(s) remain until the broker's default retention removes them"
            in out)
    (review,) = read_reviews(stack.admin, reviews)
    assert (review.lead_id, review.outcome, review.reviewed_by) == (old, ReviewOutcome.PURGE,
                                                                    "admin")
    assert {s.store: s.records for s in review.stores}[triage] == 1
    assert "0 lead(s) due" in fusion("review")
