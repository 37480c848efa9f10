"""Acknowledgement deadlines on the real broker, with a real worker and a real escalation
service process: an unacknowledged FLASH lead escalates at its deadline, step after step;
one acknowledged by the partner on its acks topic, or over HTTP with its API key, does not;
restarting the service before and between the steps changes nothing (each notice once, on
time); a partner cannot acknowledge for another agency, neither by the broker nor by the
service."""

from __future__ import annotations

import datetime as dt
import subprocess
import urllib.request
from collections.abc import Iterator

import pytest

from adapters.kafka.audit_reader import read_audit
from fusion.contract import DEAD_LETTER_TOPIC, TRIAGE_TOPIC, Agency, DeadLetter, Lead
from fusion.contract.escalation import EscalationNotice
from fusion.contract.topics import ack_topic, notice_topic
from tests.integration import partner
from tests.integration.conftest import FUSION, ROOT, Stack, Worker, audit_of, wait_until
from tests.integration.escalation_harness import (
    Service,
    ack,
    candidate,
    flash_lead,
    make_service,
    post_ack,
)

pytestmark = pytest.mark.integration
DEADLINE = 8  # seconds, FLASH, for HSI in this module
TOLERANCE = dt.timedelta(seconds=3)  # a check every 0.5 s, on a shared 2-core machine


@pytest.fixture(scope="module")
def service(stack: Stack, worker: Worker, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Service]:
    svc = make_service(stack, worker, tmp_path_factory.mktemp("escalation"))
    svc.policy(Agency.HSI, "--deadline", f"FLASH={DEADLINE}s",
               "--step", "name=duty-desk,after=1", "--step", "name=watch-floor,to=EPIC,after=3")
    svc.start()
    try:
        yield svc
    finally:
        svc.stop()


def notices(stack: Stack, agency: Agency, start: dict[int, int], lead: Lead
            ) -> list[EscalationNotice]:
    return [n for m in partner.read_to_end(stack.agency(agency), notice_topic(agency), start)
            if (n := EscalationNotice.model_validate_json(m.payload or "")).lead_id
            == lead.lead_id]


def sent_at(stack: Stack, worker: Worker, lead: Lead) -> dt.datetime:
    """When dispatch sent the lead to HSI (the audit's decision time)."""
    wait_until(lambda: (audit_of(stack, worker, lead.lead_id) or {}).get("1:HSI", "")
               .startswith("sent"), timeout=60, what=f"{lead.lead_id} sent to HSI")
    (when,) = [r.entry.decided_at for r in read_audit(stack.admin, worker.topics.audit)
               if r.entry is not None and r.entry.lead_id == lead.lead_id
               and r.entry.agency is Agency.HSI]
    return when


def test_unacknowledged_escalates_on_time_once_across_restarts_acknowledged_does_not(
        stack: Stack, worker: Worker, service: Service) -> None:
    triage_start = partner.end_offsets(stack.admin, TRIAGE_TOPIC)
    hsi_start = partner.end_offsets(stack.agency(Agency.HSI), notice_topic(Agency.HSI))
    epic_start = partner.end_offsets(stack.agency(Agency.EPIC), notice_topic(Agency.EPIC))
    late, acked, by_http = flash_lead(), flash_lead(), flash_lead()
    candidate(stack, late, acked, by_http)
    sent = sent_at(stack, worker, late)
    sent_at(stack, worker, acked)
    sent_at(stack, worker, by_http)
    partner.produce(stack.agency(Agency.HSI), ack_topic(Agency.HSI),
                    [(acked.lead_id, ack(acked, Agency.HSI))])
    status, body = post_ack(service, {"lead_id": by_http.lead_id, "revision": 1,
                                      "actor": "desk-7"}, service.hsi_key)
    assert status == 202, body
    wait_until(lambda: {acked.lead_id, by_http.lead_id} <= {
        m.key for m in partner.read_to_end(stack.admin, TRIAGE_TOPIC, triage_start)},
        timeout=30, what="both acknowledgements on triage.actions")

    service.stop()  # restart before the deadline
    service.start()
    deadline = sent + dt.timedelta(seconds=DEADLINE)
    assert dt.datetime.now(dt.UTC) < deadline, "the restart took longer than the deadline"
    (desk,) = wait_until(lambda: notices(stack, Agency.HSI, hsi_start, late), timeout=60,
                         what="the duty desk's notice")
    assert (desk.step_name, desk.kind, desk.unacknowledged_by) == (
        "duty-desk", "escalation", Agency.HSI)
    assert desk.deadline == deadline
    assert deadline <= desk.issued_at < deadline + TOLERANCE, desk.issued_at - deadline

    service.stop()  # restart between the steps
    service.start()
    floor_due = sent + dt.timedelta(seconds=3 * DEADLINE)
    assert dt.datetime.now(dt.UTC) < floor_due, "the restart took longer than a step"
    (floor,) = wait_until(lambda: notices(stack, Agency.EPIC, epic_start, late), timeout=60,
                          what="the watch floor's notice")
    assert floor.step_name == "watch-floor"
    assert floor_due <= floor.issued_at < floor_due + TOLERANCE, floor.issued_at - floor_due

    service.stop()  # and once more after both: nothing fires again
    service.start()
    wait_until(lambda: service.metric("fusion_escalation_waiting_leads") >= 1, timeout=30,
               what="the service's first round after the restart")
    assert [n.notice_id for n in notices(stack, Agency.HSI, hsi_start, late)] == [
        desk.notice_id]
    assert [n.notice_id for n in notices(stack, Agency.EPIC, epic_start, late)] == [
        floor.notice_id]
    for quiet in (acked, by_http):
        assert notices(stack, Agency.HSI, hsi_start, quiet) == []
        assert notices(stack, Agency.EPIC, epic_start, quiet) == []
    chain = [r.entry for r in read_audit(stack.admin, service.audit) if r.entry is not None]
    assert [(e.lead_id, e.outcome, e.seq) for e in chain] == [
        (late.lead_id, "escalated", 0), (late.lead_id, "escalated", 1)]
    assert "watch-floor" in chain[1].reason
    verified = subprocess.run([FUSION, "audit", "--topic", service.audit, "verify"], cwd=ROOT,
                              env=service.env, capture_output=True, text=True, timeout=120,
                              check=False)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert "2 entries verified" in verified.stdout


def test_a_notice_due_while_the_service_was_down_fires_once_when_it_is_back(
        stack: Stack, worker: Worker, service: Service) -> None:
    hsi_start = partner.end_offsets(stack.agency(Agency.HSI), notice_topic(Agency.HSI))
    service.stop()
    lead = flash_lead()
    candidate(stack, lead)
    deadline = sent_at(stack, worker, lead) + dt.timedelta(seconds=DEADLINE)
    wait_until(lambda: dt.datetime.now(dt.UTC) > deadline + dt.timedelta(seconds=1),
               timeout=DEADLINE + 30, what="the deadline to pass with the service down")
    service.start()
    (desk,) = wait_until(lambda: notices(stack, Agency.HSI, hsi_start, lead), timeout=30,
                         what="the missed duty desk notice")
    assert desk.step_name == "duty-desk"
    assert desk.issued_at > deadline + dt.timedelta(seconds=1)  # late, not skipped
    service.stop()
    service.start()
    wait_until(lambda: service.metric("fusion_escalation_rounds_total") >= 2, timeout=30,
               what="two rounds after the restart")
    assert len(notices(stack, Agency.HSI, hsi_start, lead)) == 1


def test_a_partner_acknowledges_only_for_itself(stack: Stack, worker: Worker,
                                                service: Service) -> None:
    lead = flash_lead()
    with pytest.raises(partner.RefusedError):  # the broker: HSI may not write DEA's acks
        partner.produce(stack.agency(Agency.HSI), ack_topic(Agency.DEA),
                        [(lead.lead_id, ack(lead, Agency.DEA))])
    with pytest.raises(partner.RefusedError):  # nor triage.actions
        partner.produce(stack.agency(Agency.HSI), TRIAGE_TOPIC,
                        [(lead.lead_id, ack(lead, Agency.HSI))])
    dlq = partner.end_offsets(stack.admin, DEAD_LETTER_TOPIC)
    # the service: on its own topic, HSI acknowledging for CBP-OFO, or withdrawing, is refused
    partner.produce(stack.agency(Agency.HSI), ack_topic(Agency.HSI),
                    [(lead.lead_id, ack(lead, Agency.CBP_OFO)),
                     (lead.lead_id, ack(lead, Agency.HSI, kind="withdraw"))])

    def refused() -> list[DeadLetter]:
        found = [DeadLetter.model_validate_json(m.payload or "")
                 for m in partner.read_to_end(stack.admin, DEAD_LETTER_TOPIC, dlq)
                 if m.key == lead.lead_id]
        return found if len(found) >= 2 else []

    letters = wait_until(refused, timeout=30, what="two refused acknowledgements")
    assert sorted((d.reason.value, d.errors[0].field) for d in letters) == [
        ("schema-violation", "kind"), ("topic-mismatch", "agency")]
    assert all(d.topic == ack_topic(Agency.HSI) for d in letters)


def test_http_acknowledgements_need_a_key_and_name_bad_fields(service: Service) -> None:
    lead = flash_lead()
    body = {"lead_id": lead.lead_id, "revision": 1, "actor": "desk-7"}
    assert post_ack(service, body, "not-a-key")[0] == 401
    status, problems = post_ack(service, {**body, "agency": "DEA"}, service.hsi_key)
    assert (status, problems) == (422, {"errors": [{
        "field": "agency", "problem": "extra_forbidden",
        "message": "not a field of an acknowledgement (the agency and kind come from the key "
                   "and the endpoint)"}]})
    status, problems = post_ack(service, {**body, "revision": 0}, service.hsi_key)
    assert status == 422
    assert [e["field"] for e in problems["errors"]] == ["revision"]  # type: ignore[union-attr]


def test_metrics_pass_promtool(service: Service) -> None:
    with urllib.request.urlopen(f"{service.url}/metrics", timeout=5) as response:  # noqa: S310
        text = response.read()
    result = subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    for name in (b"fusion_escalation_overdue_leads", b"fusion_escalation_notices_total",
                 b"fusion_recalls_sent_total"):
        assert name in text
