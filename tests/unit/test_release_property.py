"""Sanitised partial release: over random evidence, handlings (with fact-only release),
rule overrides and subscriptions, no field reaches an agency not entitled to it, through any
channel: the serialized copy dispatch writes on ``leads.<agency>`` (which the webhook sender
forwards byte for byte), the dashboard's view for an officer of that agency, and the audit
reasons the dashboard shows beside it.

Ground truth is computed here from each evidence item's own handling, independently of the
lead's combined handling: an agency may see an item only if the item's handling permits it,
and the lead's entities, explanations, title, summary and score terms (written from all the
evidence) only if it may see every item and the rule's override permits it too."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hypothesis import event, given, settings
from hypothesis import strategies as st

from dashboard.visibility import visible_lead
from fusion.contract import (
    Agency,
    Country,
    EvidenceRef,
    Handling,
    Lead,
    Person,
    Priority,
    RuleHit,
    ScoreContribution,
    Tlp,
    Vehicle,
)
from leads.redaction import copy_value
from leads.releasability import combine_handling, fact_agencies, permitted_agencies
from leads.routing import Outcome, route
from leads.subscriptions import Subscription
from tests.factories import T0, grading

# Mostly a few countries and agencies, so that handlings overlap and copies go out often;
# sometimes any code at all.
FEW: list[Country | Agency] = [Country.USA, Country.MEX, Agency.HSI, Agency.CBP_OFO,
                               Agency.ANAM, Agency.GN, Agency.RCMP]
RECIPIENTS = [Agency.HSI, Agency.CBP_OFO, Agency.DEA, Agency.ANAM, Agency.GN, Agency.FGR,
              Agency.RCMP, Agency.CBSA]
codes = st.lists(st.sampled_from(FEW) | st.sampled_from([*Country, *Agency]), max_size=4,
                 unique=True)
_serial = itertools.count()


def _marker(kind: str) -> str:
    return f"{kind}Q{next(_serial):07d}Z"  # unique, and no substring of another marker


handlings = st.builds(
    Handling, tlp=st.sampled_from([Tlp.GREEN, Tlp.AMBER]) | st.sampled_from(list(Tlp)),
    releasable_to=codes, fact_releasable_to=codes)


@dataclass(frozen=True)
class Case:
    lead: Lead
    item_handlings: list[Handling]  # one per evidence item, in order
    override: Handling | None
    item_markers: list[str]  # each item's event id
    content_markers: list[str]  # entities, explanations, title, summary, score terms


@st.composite
def cases(draw: st.DrawFn) -> Case:
    items = draw(st.lists(handlings, min_size=1, max_size=3))
    override = draw(st.none() | st.none() | handlings)
    ids = [_marker("EV") for _ in items]
    plate, name, explanation = _marker("P"), _marker("NAME"), _marker("EXPL")
    title, summary, term = _marker("TITLE"), _marker("SUM"), _marker("TERM")
    evidence = [EvidenceRef(agency=draw(st.sampled_from(list(Agency))), feed="poe-crossings",
                            event_id=eid, type="poe.crossing", occurred_at=T0,
                            grading=grading("B2")) for eid in ids]
    lead = Lead(
        lead_id="L-" + "0" * 32, revision=1, generated_at=T0, first_event_at=T0,
        last_event_at=T0, priority=draw(st.sampled_from(list(Priority))), score=50,
        category="watchlist", title=f"Vehicle {title}", summary=f"Seen {summary}",
        rule_hits=[RuleHit(rule_id="watchlist-vehicle-crossing", rule_version=1,
                           title="Watchlisted vehicle at a port of entry",
                           explanation=f"because {explanation}")],
        contributions=[ScoreContribution(source="grading:B2", points=5, reason=term)],
        entities=[Vehicle(plate=plate, plate_region="US-TX"), Person(name=name)],
        evidence=evidence, grading=grading("B2"),
        handling=combine_handling([*items, *([override] if override else [])]))
    return Case(lead, items, override, ids,
                [plate, name, explanation, title, summary, term])


subscriptions = st.lists(st.builds(
    Subscription, agency=st.sampled_from(RECIPIENTS) | st.sampled_from(list(Agency)),
    enabled=st.just(True) | st.booleans(),
    min_priority=st.just(Priority.ROUTINE) | st.sampled_from(list(Priority))),
    unique_by=lambda s: s.agency, min_size=1, max_size=8)


def _may_see_item(case: Case, index: int, agency: Agency) -> bool:
    return agency in permitted_agencies(case.item_handlings[index])


def _may_see_content(case: Case, agency: Agency) -> bool:
    extra = [case.override] if case.override else []
    return all(agency in permitted_agencies(h) for h in [*case.item_handlings, *extra])


def _may_know(case: Case, agency: Agency) -> bool:
    extra = [case.override] if case.override else []
    return all(agency in fact_agencies(h) for h in [*case.item_handlings, *extra])


def _violations(case: Case, agency: Agency, payload: str, channel: str) -> list[str]:
    found = [f"{channel}: evidence item {i} ({eid}) reached {agency.value}"
             for i, eid in enumerate(case.item_markers)
             if eid in payload and not _may_see_item(case, i, agency)]
    if not _may_see_content(case, agency):
        found += [f"{channel}: {m} reached {agency.value}" for m in case.content_markers
                  if m in payload]
    return found


@settings(max_examples=1000, deadline=None)
@given(case=cases(), subs=subscriptions)
def test_no_field_reaches_an_agency_not_entitled_to_it_on_any_channel(
        case: Case, subs: list[Subscription]) -> None:
    raw = case.lead.model_dump_json().encode()
    decisions = route(case.lead, subs)
    reasons = " ".join(d.reason for d in decisions)  # shown on the dashboard's lead page
    violations: list[str] = []
    for decision in decisions:
        if not decision.send:
            continue
        agency = decision.agency
        assert _may_know(case, agency), f"a copy went to {agency.value}, who may not know"
        copy = copy_value(case.lead, raw, redacted=decision.redacted).decode()
        violations += _violations(case, agency, copy, "kafka copy / webhook body")
        if decision.outcome is Outcome.SENT:
            assert _may_see_content(case, agency)
        event(f"copy: {decision.outcome.value}")
    for agency in Agency:
        view = visible_lead(case.lead, agency)
        if view is None:
            assert not _may_know(case, agency)
            continue
        assert _may_know(case, agency)
        violations += _violations(case, agency, view.model_dump_json(), "dashboard view")
        violations += _violations(case, agency, reasons, "dashboard audit reasons")
    assert violations == []


def test_a_foreign_partner_named_for_the_fact_gets_the_redacted_lead() -> None:
    """CBP-OFO's crossing is AMBER REL USA with the fact releasable to Mexico: ANAM gets the
    fact (category, place, priority, contact), not the plate, the evidence or the why."""
    us_only = Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA],
                       fact_releasable_to=[Country.MEX])
    lead = Lead(
        lead_id="L-" + "1" * 32, revision=2, generated_at=T0, first_event_at=T0,
        last_event_at=T0, priority=Priority.IMMEDIATE, score=70, category="watchlist",
        title="Watchlisted vehicle PLATE777 crossed", summary="PLATE777 seen at BOTA",
        rule_hits=[RuleHit(rule_id="watchlist-vehicle-crossing", rule_version=1,
                           title="Watchlisted vehicle at a port of entry",
                           explanation="PLATE777 is listed")],
        contributions=[], entities=[Vehicle(plate="PLATE777", plate_region="US-TX")],
        evidence=[EvidenceRef(agency=Agency.CBP_OFO, feed="poe-crossings", event_id="x-777",
                              type="poe.crossing", occurred_at=T0, grading=grading("B2"))],
        grading=grading("B2"), handling=combine_handling([us_only]))
    decisions = {d.agency: d for d in route(lead, [Subscription(agency=a) for a in
                                                  (Agency.HSI, Agency.ANAM, Agency.RCMP)])}
    assert decisions[Agency.HSI].outcome is Outcome.SENT
    assert decisions[Agency.ANAM].outcome is Outcome.REDACTED
    assert decisions[Agency.ANAM].reason.startswith("fact only: evidence items #1 of 1")
    assert decisions[Agency.RCMP].outcome is Outcome.HANDLING
    copy = Lead.model_validate_json(copy_value(lead, lead.model_dump_json().encode(),
                                               redacted=True))
    assert "PLATE777" not in copy.model_dump_json()
    assert "x-777" not in copy.model_dump_json()
    assert (copy.lead_id, copy.revision, copy.category, copy.priority) == (
        lead.lead_id, 2, "watchlist", Priority.IMMEDIATE)
    assert copy.redaction is not None
    assert (copy.redaction.withheld_evidence, copy.redaction.withheld_entities) == (1, 1)
    assert "EPIC" in copy.redaction.point_of_contact
    assert visible_lead(lead, Agency.ANAM) == copy  # the dashboard shows ANAM the same
    assert visible_lead(lead, Agency.HSI) == lead
    assert visible_lead(lead, Agency.RCMP) is None


def test_the_fact_goes_only_where_every_evidence_handling_allows_it() -> None:
    fact_mex = Handling(tlp=Tlp.GREEN, releasable_to=[Country.USA],
                        fact_releasable_to=[Country.MEX])
    plain = Handling(tlp=Tlp.GREEN, releasable_to=[Country.USA])
    combined = combine_handling([fact_mex, plain])
    assert Agency.ANAM not in fact_agencies(combined)  # the second item allows no fact
    both = combine_handling([fact_mex, fact_mex.model_copy(
        update={"fact_releasable_to": [Agency.ANAM]})])
    assert fact_agencies(both) - permitted_agencies(both) == {Agency.ANAM}
