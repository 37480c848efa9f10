"""Dispatch policy on the real broker, through a real ``fusion worker`` and the ``fusion``
command: silences withhold matching leads (audited, naming the silence) until they end or
are expired; grouping coalesces a burst of revisions and sends the held one at the end of
the interval, also across a worker restart."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import uuid

import pytest
from kafka.admin import NewTopic

from adapters.kafka.audit_reader import read_audit
from adapters.kafka.clients import open_admin, open_producer
from adapters.kafka.subscriptions import put_subscription
from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    SILENCE_AUDIT_TOPIC,
    SILENCES_TOPIC,
    Agency,
    Country,
    EvidenceRef,
    Handling,
    Lead,
    Priority,
    RuleHit,
    Tlp,
    lead_topic,
)
from leads.subscriptions import Subscription
from tests.factories import T0, grading
from tests.integration import partner
from tests.integration.conftest import FUSION, ROOT, Stack, Worker, audit_of, wait_until

pytestmark = pytest.mark.integration

RUN = uuid.uuid4().hex[:8]
SILENCES = f"{SILENCES_TOPIC}.policy-{RUN}"
SILENCE_AUDIT = f"{SILENCE_AUDIT_TOPIC}.policy-{RUN}"
WORKER_ENV = {"FUSION_SILENCES_TOPIC": SILENCES}
RECEIVERS = (Agency.HSI, Agency.CBP_OFO)  # subscribed and entitled (GREEN REL USA)
GROUP_S = 8.0  # HSI's grouping interval in the grouping test


@pytest.fixture(scope="module")
def policy_topics(stack: Stack) -> None:
    """This module's silences and their audit, made before its worker starts."""
    admin = open_admin(stack.admin, client_id="test-policy-topics")
    try:
        admin.create_topics([
            NewTopic(SILENCES, 1, 1, topic_configs={"cleanup.policy": "compact"}),
            NewTopic(SILENCE_AUDIT, 1, 1, topic_configs={"retention.ms": "-1"})])
    finally:
        admin.close()
    for name in (SILENCES, SILENCE_AUDIT):
        wait_until(lambda n=name: partner.end_offsets(stack.admin, n), timeout=30,
                   what=f"a leader for {name}")


def _category() -> str:
    return "policy-" + "".join(chr(ord("a") + int(c, 16) % 26) for c in uuid.uuid4().hex[:8])


def _lead(category: str, *, lead_id: str | None = None, revision: int = 1,
          priority: Priority = Priority.IMMEDIATE,
          handling: Handling | None = None) -> Lead:
    return Lead(
        lead_id=lead_id or "L-" + uuid.uuid4().hex, revision=revision, generated_at=T0,
        first_event_at=T0, last_event_at=T0, priority=priority, score=70, category=category,
        title="policy test lead", summary="a lead for the dispatch policy tests",
        contributions=[], entities=[], grading=grading("B2"),
        rule_hits=[RuleHit(rule_id="policy-test", rule_version=1, title="policy test",
                           explanation="a test lead")],
        handling=handling or Handling(tlp=Tlp.GREEN, releasable_to=[Country.USA]),
        evidence=[EvidenceRef(agency=Agency.CBP_OFO, feed="poe-crossings", event_id="x-1",
                              type="poe.crossing", occurred_at=T0, grading=grading("B2"))])


def _send(stack: Stack, *leads: Lead) -> None:
    producer = open_producer(stack.admin, client_id="test-policy")
    try:
        for lead in leads:
            producer.send(CANDIDATE_LEADS_TOPIC, key=lead.lead_id.encode(),
                          value=lead.model_dump_json().encode()).get(timeout=30)
    finally:
        producer.close()


def _fusion(*args: str) -> str:
    done = subprocess.run([FUSION, *args], cwd=ROOT, env=dict(os.environ), capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _silence(*args: str) -> str:
    out = _fusion("silences", "--topic", SILENCES, "--audit-topic", SILENCE_AUDIT, *args)
    return out.split()[0]  # "S-... added"


def _copies(stack: Stack, agency: Agency, start: dict[int, int], lead_id: str) -> list[Lead]:
    return [lead for m in partner.read_to_end(stack.agency(agency), lead_topic(agency), start)
            if (lead := Lead.model_validate_json(m.payload or "")).lead_id == lead_id]


def _starts(stack: Stack) -> dict[Agency, dict[int, int]]:
    return {a: partner.end_offsets(stack.agency(a), lead_topic(a)) for a in RECEIVERS}


def test_a_silence_withholds_matching_leads_audited_until_it_ends(
        policy_topics: None, stack: Stack, worker: Worker) -> None:
    category = _category()
    ends = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=8)
    sid = _silence("add", "--category", category, "--agency", "HSI", "--ends", ends.isoformat(),
                   "--author", "ana", "--comment", "test silence of HSI")
    starts = _starts(stack)
    during = _lead(category)
    _send(stack, during)
    audit = wait_until(lambda: audit_of(stack, worker, during.lead_id), timeout=20,
                       what="the audit of the silenced lead")
    assert audit["1:HSI"].startswith(f"withheld-silenced silence {sid} by ana")
    assert audit["1:CBP-OFO"].startswith("sent")
    assert len(_copies(stack, Agency.CBP_OFO, starts[Agency.CBP_OFO], during.lead_id)) == 1
    assert _copies(stack, Agency.HSI, starts[Agency.HSI], during.lead_id) == []  # same txn
    wait_until(lambda: dt.datetime.now(dt.UTC) > ends, timeout=15, what="the silence's end")
    after = _lead(category)
    _send(stack, after)
    wait_until(lambda: _copies(stack, Agency.HSI, starts[Agency.HSI], after.lead_id),
               timeout=20, what="the lead after the silence ended on leads.hsi")
    assert (audit_of(stack, worker, after.lead_id) or {})["1:HSI"].startswith("sent")


def test_an_expired_silence_lets_leads_out_and_every_change_is_chained(
        policy_topics: None, stack: Stack, worker: Worker) -> None:
    category = _category()
    sid = _silence("add", "--category", category, "--for", "1h", "--author", "ana",
                   "--comment", "silence every recipient")
    starts = _starts(stack)
    held = _lead(category)
    _send(stack, held)
    audit = wait_until(lambda: audit_of(stack, worker, held.lead_id), timeout=20,
                       what="the audit of the silenced lead")
    assert {k: v.split()[0] for k, v in audit.items()} == {
        "1:HSI": "withheld-silenced", "1:CBP-OFO": "withheld-silenced",
        "1:ANAM": "handling", "1:DEA": "disabled"}  # a silence changes only what would go
    assert _silence("expire", sid, "--author", "ben", "--comment", "done") == sid
    listed = _fusion("silences", "--topic", SILENCES, "--audit-topic", SILENCE_AUDIT, "list")
    assert sid not in listed  # expired: list shows active and pending ones
    free = _lead(category)
    _send(stack, free)
    for agency in RECEIVERS:
        wait_until(lambda a=agency: _copies(stack, a, starts[a], free.lead_id), timeout=20,
                   what=f"the lead after the expiry on {lead_topic(agency)}")
        assert _copies(stack, agency, starts[agency], held.lead_id) == []
    history = _fusion("silences", "--topic", SILENCES, "--audit-topic", SILENCE_AUDIT,
                      "history")
    assert f"expired by ben: {sid}" in history
    assert f"added   by ana: {sid}" in history
    assert history.strip().endswith("chain intact")


def test_an_agency_may_neither_write_nor_read_silences(policy_topics: None,
                                                        stack: Stack) -> None:
    with pytest.raises(partner.RefusedError, match=r"(?i)authoriz"):
        partner.produce(stack.agency(Agency.HSI), SILENCES, [("S-000000000000", "{}")])
    with pytest.raises(partner.RefusedError, match=r"(?i)authoriz"):
        partner.end_offsets(stack.agency(Agency.HSI), SILENCES)


def test_a_partner_allowed_only_the_fact_receives_the_redacted_lead(
        policy_topics: None, stack: Stack, worker: Worker) -> None:
    """ANAM subscribes; the evidence is REL USA with its fact releasable to Mexico."""
    lead = _lead(_category(), handling=Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA],
                                                fact_releasable_to=[Country.MEX]))
    start = partner.end_offsets(stack.agency(Agency.ANAM), lead_topic(Agency.ANAM))
    _send(stack, lead)
    audit = wait_until(lambda: audit_of(stack, worker, lead.lead_id), timeout=20,
                       what="the audit of the partly releasable lead")
    assert audit["1:ANAM"].startswith("sent-redacted fact only: evidence items #1 of 1")
    assert audit["1:HSI"].startswith("sent ")
    (message,) = [m for m in partner.read_to_end(stack.agency(Agency.ANAM),
                                                 lead_topic(Agency.ANAM), start)
                  if m.key == lead.lead_id]
    assert "x-1" not in (message.payload or "")  # the evidence's event id
    assert "a test lead" not in (message.payload or "")  # the rule's explanation
    copy = Lead.model_validate_json(message.payload or "")
    assert copy.redaction is not None
    assert (copy.evidence, copy.category) == ([], lead.category)


def _entries(stack: Stack, worker: Worker, lead_id: str) -> list[tuple[int, str, str]]:
    """(revision, agency, outcome) of every committed audit entry of a lead, in chain order."""
    return [(r.entry.revision, r.entry.agency.value, r.entry.outcome)
            for r in read_audit(stack.admin, worker.topics.audit)
            if r.entry is not None and r.entry.lead_id == lead_id]


def _revised(lead: Lead, revision: int) -> Lead:
    """The next revision with material news: one more rule fired."""
    hit = RuleHit(rule_id=f"policy-test-{revision}", rule_version=1, title="another rule",
                  explanation="another reason")
    return lead.model_copy(update={"revision": revision, "rule_hits": [*lead.rule_hits, hit]})


def test_a_burst_of_revisions_is_coalesced_and_the_held_one_sent_when_the_interval_ends(
        policy_topics: None, stack: Stack, worker: Worker) -> None:
    put_subscription(stack.admin, worker.topics.subscriptions, Subscription(
        agency=Agency.HSI, group_interval=GROUP_S, repeat_interval=GROUP_S))
    starts = _starts(stack)
    first = _lead(_category())
    _send(stack, first)
    wait_until(lambda: _copies(stack, Agency.HSI, starts[Agency.HSI], first.lead_id),
               timeout=20, what="revision 1 on leads.hsi")
    burst = [_revised(first, 2)]
    burst += [_revised(burst[-1], 3)]
    burst += [_revised(burst[-1], 4)]
    _send(stack, *burst)
    wait_until(lambda: (4, "HSI", "held-grouping") in _entries(stack, worker, first.lead_id),
               timeout=20, what="revision 4 held for HSI")
    assert [c.revision for c in _copies(stack, Agency.HSI, starts[Agency.HSI],
                                        first.lead_id)] == [1]  # nothing else yet
    copies = wait_until(lambda: [c.revision for c in _copies(
        stack, Agency.HSI, starts[Agency.HSI], first.lead_id)] == [1, 4] or None,
        timeout=GROUP_S + 20, what="revision 4 on leads.hsi at the interval's end")
    assert copies
    hsi = [(rev, outcome) for rev, agency, outcome in _entries(stack, worker, first.lead_id)
           if agency == "HSI"]
    assert hsi == [(1, "sent"), (2, "held-grouping"), (2, "coalesced"), (3, "held-grouping"),
                   (3, "coalesced"), (4, "held-grouping"), (4, "sent")]
    # CBP-OFO's default interval (60 s) holds the burst too: one copy so far, all audited.
    assert [c.revision for c in _copies(stack, Agency.CBP_OFO, starts[Agency.CBP_OFO],
                                        first.lead_id)] == [1]
    assert (4, "CBP-OFO", "held-grouping") in _entries(stack, worker, first.lead_id)


def test_a_recall_drops_the_revision_grouping_holds_and_goes_out_at_once(
        policy_topics: None, stack: Stack, worker: Worker) -> None:
    """A revision held by grouping, then the lead recalled: the recall reaches the recipient
    at once, past grouping; the held revision is audited as carried by the recall and never
    goes out (it would bring the recalled lead back)."""
    from fusion.contract.lead import LeadStatus
    from stream_apps.records import RECALL_HEADER

    put_subscription(stack.admin, worker.topics.subscriptions, Subscription(
        agency=Agency.HSI, group_interval=GROUP_S, repeat_interval=GROUP_S))
    starts = _starts(stack)
    first = _lead(_category())
    _send(stack, first)
    wait_until(lambda: _copies(stack, Agency.HSI, starts[Agency.HSI], first.lead_id),
               timeout=20, what="revision 1 on leads.hsi")
    _send(stack, _revised(first, 2))
    wait_until(lambda: (2, "HSI", "held-grouping") in _entries(stack, worker, first.lead_id),
               timeout=20, what="revision 2 held for HSI")
    held_at = dt.datetime.now(dt.UTC)
    recall = _revised(first, 2).model_copy(update={
        "revision": 3, "status": LeadStatus.WITHDRAWN, "status_reason": "misread plate"})
    producer = open_producer(stack.admin, client_id="test-policy-recall")
    try:
        producer.send(CANDIDATE_LEADS_TOPIC, key=recall.lead_id.encode(),
                      value=recall.model_dump_json().encode(),
                      headers=[(RECALL_HEADER, b"HSI")]).get(timeout=30)
    finally:
        producer.close()
    wait_until(lambda: [c.revision for c in _copies(
        stack, Agency.HSI, starts[Agency.HSI], first.lead_id)] == [1, 3] or None,
        timeout=20, what="the recall on leads.hsi, before the grouping interval ends")
    hsi = [(rev, outcome) for rev, agency, outcome in _entries(stack, worker, first.lead_id)
           if agency == "HSI"]
    assert hsi == [(1, "sent"), (2, "held-grouping"), (2, "coalesced"), (3, "sent")]
    # past the held revision's due time and two of the dispatcher's 1 s timer rounds
    until = held_at + dt.timedelta(seconds=GROUP_S + 3)
    while dt.datetime.now(dt.UTC) < until:
        revisions = [c.revision for c in _copies(stack, Agency.HSI, starts[Agency.HSI],
                                                 first.lead_id)]
        assert revisions == [1, 3], revisions
