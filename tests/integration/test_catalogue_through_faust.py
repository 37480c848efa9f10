"""Each rule kind, through the real worker on the real broker: the first firing case of one
catalogue rule per kind is published (times moved into the future, ids made unique) and its
lead must come out of the correlate stage with the evidence the rule test expects.

Scenarios run one after another, each later in event time than the one before, so the
worker's single watermark only moves forward; a "clock" tip after each scenario pushes the
watermark past its last event (or past its ``advance_to``) so windows and absences close."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest

from adapters.kafka.feed_publisher import FeedPublisher
from fusion.contract import CANDIDATE_LEADS_TOPIC, Agency, EventEnvelope, Lead
from producers.events import tip_event
from rules.problems import SourceProblem
from rules.rule_test_files import LoadedCase, read_test_file
from tests.integration import partner
from tests.integration.conftest import ROOT, Stack, Worker, wait_until

pytestmark = pytest.mark.integration
CATALOGUE = ROOT / "rules" / "catalogue"
ONE_RULE_PER_KIND = {
    "match": "ports/port-runner",
    "threshold": "cash/bulk-cash-structuring",
    "sequence": "vehicles/transit-read-then-southbound-crossing",
    "absence": "cargo/eseal-armed-gone-dark",
    "corroboration": "corroboration/vehicle-reported-by-two-agencies",
    "link": "weapons/multiple-sale-purchaser-southbound",
}
LATENESS = dt.timedelta(seconds=3)  # FUSION_ALLOWED_LATENESS of the test worker
_next_base = [dt.datetime.now(dt.UTC) + dt.timedelta(days=1)]
# Each case is moved a day past the previous one's end (past the watermark it left), so the
# events lie days ahead of the clock: the worker must take them (FUSION_MAX_CLOCK_SKEW).
WORKER_ENV = {"FUSION_MAX_CLOCK_SKEW": str(90 * 86400)}


def _firing_case(rule_path: str) -> tuple[str, LoadedCase]:
    problems: list[SourceProblem] = []
    loaded = read_test_file(CATALOGUE / f"{rule_path}.test.yaml", problems)
    assert loaded is not None, problems
    case = next(c for c in loaded.cases if c.expect and not c.watchlist)
    return loaded.rule_id, case


def _rebased(case: LoadedCase, run: str) -> tuple[list[EventEnvelope], dt.datetime]:
    """The case's events moved to start at the next free base time; and the time by which
    the watermark must have passed for the rule to have fired."""
    first = min(e.occurred_at for e in case.events)
    shift = _next_base[0] - first
    events = [e.model_copy(update={"occurred_at": e.occurred_at + shift,
                                   "event_id": f"{run}-{e.event_id}"}) for e in case.events]
    last = max(e.occurred_at for e in events)
    close = max(last, case.advance_to + shift) if case.advance_to else last
    _next_base[0] = close + dt.timedelta(days=1)
    return events, close


@pytest.mark.parametrize("kind", list(ONE_RULE_PER_KIND))
def test_rule_kind_leads_through_the_worker(stack: Stack, worker: Worker, kind: str) -> None:
    rule_id, case = _firing_case(ONE_RULE_PER_KIND[kind])
    run = uuid.uuid4().hex[:8]
    events, close = _rebased(case, run)
    clock = tip_event(event_id=f"{run}-clock", agency=Agency.EPIC,
                      occurred_at=close + LATENESS + dt.timedelta(seconds=1),
                      text="clock tick for the test", channel="partner")
    start = partner.end_offsets(stack.admin, CANDIDATE_LEADS_TOPIC)
    with FeedPublisher(stack.simulator, client_id=f"kind-{kind}") as publisher:
        publisher.publish(events)
        publisher.publish([clock])

    def leads() -> list[Lead]:
        found = [Lead.model_validate_json(m.payload or "") for m in
                 partner.read_to_end(stack.admin, CANDIDATE_LEADS_TOPIC, start)]
        return [lead for lead in found if lead.rule_hits[0].rule_id == rule_id
                and all(e.event_id.startswith(f"{run}-") for e in lead.evidence)]

    found = wait_until(leads, timeout=30, what=f"a {kind} lead from {rule_id}", every=0.25)
    expected = [{f"{run}-{i}" for i in exp.evidence} for exp in case.expect
                if exp.evidence is not None]
    got = [{e.event_id for e in lead.evidence} for lead in found]
    for evidence in expected:
        assert evidence in got, f"{rule_id}: expected evidence {evidence}, got {got}"
