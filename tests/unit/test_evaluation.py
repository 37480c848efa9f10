"""The lead-quality comparison (``producers.scenario.evaluation``): one case per measure that
can fail, on hand-made ground-truth records and leads."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest

from cli.commands.evaluate_report import render_markdown, render_text
from fusion.contract import Agency, EvidenceRef, Handling, Lead, Priority, RuleHit, Tlp
from leads.deliveries import Delivery
from producers.scenario.evaluation import EvaluationError, Report, evaluate
from tests.factories import T0, grading

PUBLISHED = {f"CBP-OFO/e{n}": T0 + dt.timedelta(seconds=n) for n in range(1, 10)}


def truth(pattern: str = "p1", rule: str = "rule-a", events: tuple[str, ...] = ("e1", "e2"),
          *, context: tuple[str, ...] = (), recipients: tuple[str, ...] = ("HSI", "ANAM"),
          withheld: dict[str, str] | None = None) -> dict[str, Any]:
    """A ground-truth record in the simulator's JSON form (the fields evaluation reads)."""
    return {"pattern_id": pattern, "rule_id": rule,
            "events": [f"CBP-OFO/{e}" for e in events],
            "context_events": [f"CBP-OFO/{e}" for e in context],
            "recipients": list(recipients),
            "withheld": withheld if withheld is not None else {"DEA": "RED: not named"}}


def lead(*events: str, rules: tuple[str, ...] = ("rule-a",), revision: int = 1,
         lead_id: str | None = None) -> Lead:
    ident = lead_id or "L-" + hashlib.sha256("|".join((*rules, *events)).encode()).hexdigest()[:32]
    return Lead(
        lead_id=ident, revision=revision, generated_at=T0, first_event_at=T0, last_event_at=T0,
        priority=Priority.PRIORITY, score=50, category="test", title="t", summary="s",
        rule_hits=[RuleHit(rule_id=r, rule_version=1, title=r, explanation=r) for r in rules],
        contributions=[], entities=[], grading=grading("B2"),
        handling=Handling(tlp=Tlp.GREEN, releasable_to=[]),
        evidence=[EvidenceRef(agency=Agency.CBP_OFO, feed="poe-crossings", event_id=e,
                              type="crossing.vehicle", occurred_at=T0, grading=grading("B2"))
                  for e in events])


def sent(item: Lead, *agencies: str, after: float = 10.0) -> list[Delivery]:
    """``item`` received by each agency, ``after`` seconds past T0."""
    return [Delivery(item, Agency(a), T0 + dt.timedelta(seconds=after)) for a in agencies]


def run(truths: list[dict[str, Any]], deliveries: list[Delivery], **kw: Any) -> Report:
    return evaluate(truths, deliveries, PUBLISHED, **kw)


def test_a_lead_with_the_rule_and_every_event_is_found() -> None:
    report = run([truth()], sent(lead("e1", "e2"), "HSI", "ANAM"))
    assert (report.records, report.found, report.recall, report.precision) == (1, 1, 1.0, 1.0)
    assert report.duplicates == {}
    assert report.wrong_recipients == []
    assert report.missed_recipients == {}
    assert report.complete


@pytest.mark.parametrize(("received", "found"), [
    (lead("e1", "e2", "e9"), True),  # more evidence than planted: still the pattern
    (lead("e1", "e2", rules=("combined-x", "rule-a")), True),  # any rule hit counts
    (lead("e1"), False),  # part of the evidence
    (lead("e1", "e2", rules=("rule-b",)), False),  # right events, other rule
])
def test_found_needs_the_rule_id_and_all_planted_events(received: Lead, found: bool) -> None:
    report = run([truth()], sent(received, "HSI", "ANAM"))
    assert report.found == int(found)


def test_a_missed_record_names_its_near_leads_and_late_events() -> None:
    partial = lead("e1")
    report = run([truth()], sent(partial, "HSI"), late=frozenset({"CBP-OFO/e2"}),
                 correlated=frozenset({"CBP-OFO/e1"}))
    (outcome,) = report.missed
    assert (report.recall, outcome.rule_id) == (0.0, "rule-a")
    assert outcome.events == ["CBP-OFO/e1", "CBP-OFO/e2"]
    assert outcome.near_leads == [partial.lead_id]
    assert outcome.late_events == ["CBP-OFO/e2"]
    assert outcome.uncorrelated_events == ["CBP-OFO/e2"]
    assert report.unmatched_leads == {partial.lead_id: ["rule-a"]}
    assert report.precision == 0.0


def test_near_leads_rest_on_some_planted_event_whatever_their_rule() -> None:
    other_rule, elsewhere = lead("e2", "e3", rules=("rule-b",)), lead("e7")
    report = run([truth(context=("e4",))], sent(other_rule, "HSI") + sent(elsewhere, "HSI"))
    assert report.missed[0].near_leads == [other_rule.lead_id]


def test_recall_counts_every_record() -> None:
    truths = [truth("p1"), truth("p2", "rule-b", ("e3",)), truth("p3", "rule-c", ("e4",))]
    report = run(truths, sent(lead("e1", "e2"), "HSI", "ANAM")
                 + sent(lead("e3", rules=("rule-b",)), "HSI", "ANAM"))
    assert report.recall == pytest.approx(2 / 3)
    assert [o.pattern_id for o in report.missed] == ["p3"]


def test_background_leads_lower_precision() -> None:
    noise = lead("e5", rules=("rule-z",))
    report = run([truth()], sent(lead("e1", "e2"), "HSI", "ANAM") + sent(noise, "HSI"))
    assert (report.leads, report.matched_leads, report.precision) == (2, 1, 0.5)
    assert report.unmatched_leads == {noise.lead_id: ["rule-z"]}


def test_leads_without_evidence_from_this_run_are_foreign() -> None:
    other = lead("x1", rules=("rule-z",))
    report = run([truth()], sent(lead("e1", "e2"), "HSI", "ANAM") + sent(other, "HSI"))
    assert (report.leads, report.precision, report.foreign_leads) == (1, 1.0, [other.lead_id])


def test_two_lead_ids_for_one_pattern_are_a_duplicate() -> None:
    first, second = lead("e1", "e2"), lead("e1", "e2", "e3")
    report = run([truth()], sent(first, "HSI", "ANAM") + sent(second, "HSI", "ANAM"))
    assert report.duplicates == {"p1/rule-a": sorted([first.lead_id, second.lead_id])}
    assert report.precision == 1.0


def test_revisions_of_one_lead_id_are_not_duplicates() -> None:
    one = lead("e1", "e2")
    revised = lead("e1", "e2", "e3", lead_id=one.lead_id, revision=2)
    report = run([truth()], sent(one, "HSI", "ANAM") + sent(revised, "HSI", "ANAM"))
    assert (report.duplicates, report.leads, report.redeliveries) == ({}, 1, 0)


def test_the_same_revision_twice_to_one_agency_is_a_redelivery() -> None:
    one = lead("e1", "e2")
    report = run([truth()], sent(one, "HSI", "ANAM") + sent(one, "HSI", after=20))
    assert (report.redeliveries, report.duplicates) == (1, {})


@pytest.mark.parametrize(("agency", "reason"), [
    ("DEA", "withheld: RED: not named"),
    ("ATF", "not an expected recipient"),
])
def test_delivery_outside_the_recipients_is_wrong(agency: str, reason: str) -> None:
    one = lead("e1", "e2")
    report = run([truth()], sent(one, "HSI", "ANAM", agency))
    (wrong,) = report.wrong_recipients
    assert (wrong.lead_id, wrong.agency, wrong.pattern, wrong.reason) == (
        one.lead_id, agency, "p1/rule-a", reason)


def test_a_lead_matching_two_records_must_suit_both() -> None:
    truths = [truth(), truth("p2", "rule-b", ("e1",), recipients=("HSI",),
                             withheld={"ANAM": "AMBER+STRICT: not named"})]
    both = lead("e1", "e2", rules=("rule-a", "rule-b"))
    report = run(truths, sent(both, "HSI", "ANAM"))
    assert [(w.agency, w.pattern) for w in report.wrong_recipients] == [("ANAM", "p2/rule-b")]


def test_an_expected_recipient_without_the_lead_is_missed() -> None:
    report = run([truth()], sent(lead("e1", "e2"), "HSI"))
    assert report.missed_recipients == {"p1/rule-a": ["ANAM"]}
    assert report.found == 1
    assert not report.complete


def test_latency_runs_from_the_last_planted_event_to_the_first_receipt() -> None:
    truths = [truth("p1", events=("e1", "e2"), context=("e4",)),  # last planted: e4 at +4 s
              truth("p2", "rule-b", ("e3",)),  # +3 s
              truth("p3", "rule-c", ("e5",))]  # +5 s
    deliveries = (sent(lead("e1", "e2"), "HSI", "ANAM", after=14)
                  + sent(lead("e3", rules=("rule-b",)), "HSI", after=5)
                  + sent(lead("e3", rules=("rule-b",)), "ANAM", after=9)
                  + sent(lead("e5", rules=("rule-c",)), "HSI", "ANAM", after=35))
    report = run(truths, deliveries)
    assert [o.latency_seconds for o in report.outcomes] == [10.0, 2.0, 30.0]
    assert (report.latency.count, report.latency.p50, report.latency.p95,
            report.latency.max) == (3, 10.0, 30.0, 30.0)


def test_nothing_found_has_no_latency_and_nothing_received_no_precision() -> None:
    report = run([truth()], [])
    assert (report.recall, report.precision, report.latency.count, report.latency.p50) == (
        0.0, None, 0, None)


def test_a_planted_event_never_published_is_an_error() -> None:
    with pytest.raises(EvaluationError, match=r"p1/rule-a: .* CBP-OFO/e99"):
        run([truth(events=("e1", "e99"))], sent(lead("e1", "e99"), "HSI"))


def test_the_report_round_trips_as_json() -> None:
    report = run([truth()], sent(lead("e1", "e2"), "HSI", "ANAM"))
    assert Report.model_validate_json(report.model_dump_json()) == report


def test_the_printed_report_lists_each_missed_pattern_with_rule_and_evidence() -> None:
    report = run([truth(), truth("p2", "rule-b", ("e3",))], sent(lead("e1", "e2"), "HSI"),
                 late=frozenset({"CBP-OFO/e3"}), correlated=frozenset({"CBP-OFO/e3"}))
    text = render_text(report, header="test", min_recall=0.95)
    assert "recall               0.50 (required >= 0.95)" in text
    assert "  p2  rule rule-b\n    evidence: CBP-OFO/e3\n" in text
    assert "late (internal.late-events): CBP-OFO/e3" in text
    assert "p1/rule-a: ANAM" in text  # the missed recipient
    assert "| p2 | rule-b | CBP-OFO/e3 |" in render_markdown(report, min_recall=0.95)
