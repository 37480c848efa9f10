"""The escalation service's fold: sends, acknowledgements and fired notices become the
core's state; a withdrawal or a retraction plans one recall per lead revision, to every
earlier recipient, and the same records read again (a restart) plan nothing new."""

from __future__ import annotations

import datetime as dt

from fusion.contract import Agency, Country, EvidenceRef, Feed, Lead, Priority, RuleHit, Tlp
from fusion.contract.audit import AuditEntry
from fusion.contract.escalation import EscalationPolicy, EscalationStep
from fusion.contract.lead import LeadStatus
from fusion.contract.retraction import Retraction
from fusion.contract.triage import TriageAction
from leads.escalation import due
from stream_apps.escalation_fold import EscalationFold, FoldTopics
from tests.factories import T0, grading, handling

TOPICS = FoldTopics(audit="audit", escalation_audit="esc-audit", policies="policies",
                    triage="triage", leads="leads", retractions="retractions")
LEAD_ID = "L-" + "d" * 32
X1 = EvidenceRef(agency=Agency.CBP_OFO, feed=Feed.POE_CROSSINGS, event_id="x-1",
                 type="poe.crossing", occurred_at=T0, grading=grading("B2"))


def lead(revision: int = 1, status: LeadStatus = LeadStatus.ACTIVE) -> bytes:
    return Lead(lead_id=LEAD_ID, revision=revision, generated_at=T0, first_event_at=T0,
                last_event_at=T0, priority=Priority.FLASH, score=80, category="cat", title="t",
                summary="s", rule_hits=[RuleHit(rule_id="r1", rule_version=1, title="t",
                                                explanation="e")],
                contributions=[], entities=[], evidence=[X1], grading=grading("B2"),
                handling=handling(Tlp.GREEN, Country.USA), status=status
                ).model_dump_json().encode()


def sent(agency: Agency, revision: int = 1, outcome: str = "sent") -> bytes:
    return AuditEntry(chain=2, seq=0, lead_id=LEAD_ID, revision=revision, agency=agency,
                      outcome=outcome, reason="r", priority=Priority.FLASH, tlp=Tlp.GREEN,
                      rules=["r1@1"], decided_at=T0, prev="", mac="0" * 64
                      ).model_dump_json().encode()


def triage(kind: str, agency: Agency = Agency.HSI) -> bytes:
    return TriageAction.model_validate({
        "action_id": f"a-{kind}", "lead_id": LEAD_ID, "revision": 1, "kind": kind,
        "agency": agency, "actor": "ana", "channel": "dashboard", "at": T0}
    ).model_dump_json().encode()


def history() -> list[tuple[str, bytes | None, bytes | None]]:
    return [("leads", None, lead()), ("audit", None, sent(Agency.HSI)),
            ("audit", None, sent(Agency.CBP_OFO)),
            ("audit", None, sent(Agency.ANAM, outcome="handling"))]


def fold_of(records: list[tuple[str, bytes | None, bytes | None]]) -> EscalationFold:
    fold = EscalationFold(TOPICS)
    for topic, key, value in records:
        fold.apply(topic, key, value)
    return fold


def test_sends_start_waits_and_acknowledgements_end_them() -> None:
    fold = fold_of([*history(), ("triage", None, triage("acknowledge", Agency.CBP_OFO))])
    notices = due(fold.state, fold.policy_for, T0 + dt.timedelta(minutes=10))
    assert [(n.agency, n.step_name) for n in notices] == [(Agency.HSI, "duty-desk")]
    assert fold.recipients[LEAD_ID] == {Agency.HSI, Agency.CBP_OFO}  # not ANAM: withheld
    assert fold.chains[LEAD_ID] == 2


def test_fired_notices_and_policies_are_read_back() -> None:
    policy = EscalationPolicy(agency=Agency.HSI, deadlines={Priority.FLASH: 60},
                              steps=[EscalationStep(name="duty-desk", after=1)])
    fold = fold_of([*history(), ("policies", b"HSI", policy.model_dump_json().encode()),
                    ("esc-audit", f"{LEAD_ID}/HSI/r1/s0/n0".encode(), sent(Agency.HSI))])
    assert fold.policy_for(Agency.HSI) == policy
    later = due(fold.state, fold.policy_for, T0 + dt.timedelta(hours=1))
    assert later  # CBP-OFO's default chain; HSI's one step was fired before
    assert {n.agency for n in later} == {Agency.CBP_OFO}
    fold.apply("policies", b"HSI", None)  # removed: the default chain again
    assert fold.policy_for(Agency.HSI).deadline(Priority.FLASH) == 600


def test_a_withdrawal_plans_one_recall_to_every_earlier_recipient_once() -> None:
    records = [*history(), ("triage", None, triage("withdraw"))]
    fold = fold_of(records)
    assert due(fold.state, fold.policy_for, T0 + dt.timedelta(days=1)) == []
    (planned,) = fold.recalls(T0)
    assert planned.partition == 2
    assert planned.recall.recipients == (Agency.CBP_OFO, Agency.HSI)
    assert (planned.recall.lead.revision, planned.recall.lead.status) == (
        2, LeadStatus.WITHDRAWN)
    fold.issued([planned])
    assert fold.recalls(T0) == []
    # a restart: the same records and the recall read back from internal.leads
    again = fold_of([*records, ("leads", None, planned.recall.lead.model_dump_json().encode())])
    assert again.recalls(T0) == []


def test_a_recall_not_committed_is_planned_again() -> None:
    fold = fold_of([*history(), ("triage", None, triage("withdraw"))])
    planned = fold.recalls(T0)
    fold.not_issued(planned)
    assert [p.recall.lead.revision for p in fold.recalls(T0)] == [2]


def test_a_retraction_of_the_only_evidence_withdraws() -> None:
    retraction = Retraction(schema_version=1, record="retraction", retraction_id="r-1",
                            agency=Agency.CBP_OFO, feed=Feed.POE_CROSSINGS, event_id="x-1",
                            reason="wrong plate", retracted_at=T0)
    fold = fold_of([*history(), ("retractions", b"CBP-OFO/x-1",
                                 retraction.model_dump_json().encode())])
    (planned,) = fold.recalls(T0)
    assert planned.recall.lead.status_reason == "evidence retracted (CBP-OFO/x-1): wrong plate"


def test_unreadable_records_are_skipped() -> None:
    fold = fold_of([("audit", None, b"{"), ("triage", None, b"[]"), ("policies", b"??", b"{}"),
                    *history()])
    assert fold.recipients[LEAD_ID] == {Agency.HSI, Agency.CBP_OFO}


def test_an_officers_escalation_fires_the_next_step_at_its_time() -> None:
    fold = fold_of([*history(), ("triage", None, triage("escalate"))])  # at T0, by HSI
    assert [(n.agency, n.step_name, n.due_at) for n in due(fold.state, fold.policy_for, T0)
            ] == [(Agency.HSI, "duty-desk", T0)]


def test_memory_is_bounded_by_the_horizon() -> None:
    fold = fold_of([*history(), ("esc-audit", f"{LEAD_ID}/HSI/r1/s0/n0".encode(),
                                 sent(Agency.HSI))])
    fold.forget_before(T0 - dt.timedelta(days=1))  # nothing is older
    assert LEAD_ID in fold.leads
    assert fold.state.fired
    fold.forget_before(T0 + dt.timedelta(days=1))
    assert (fold.leads, fold.recipients, fold.chains, fold.by_evidence, fold.state.sent,
            fold.state.fired) == ({}, {}, {}, {}, {}, set())
