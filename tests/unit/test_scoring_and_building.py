"""Scoring a finding term by term, and building revision 1 of its lead."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.contract import (
    Agency,
    Country,
    Credibility,
    Grading,
    Handling,
    Lead,
    Priority,
    SourceReliability,
    Tlp,
)
from leads.building import build_lead
from leads.scoring import (
    CREDIBILITY_POINTS,
    RELIABILITY_POINTS,
    priority_for,
    score_finding,
    weakest_grading,
)
from rules.findings import Finding
from rules.watchlist import PORT_RUNNER_POINTS
from tests.factories import T0, crossing, findings_for, grading, handling, listing

NOW = T0 + dt.timedelta(seconds=3)


def _finding(crossing_grading: str = "B2", listing_grading: str = "B2", **kw: Any) -> Finding:
    (finding,) = findings_for(crossing(grading=grading(crossing_grading), **kw),
                              listing(grading=grading(listing_grading)))
    return finding


def _with_base(finding: Finding, base: float) -> Finding:
    return dataclasses.replace(finding, rule=dataclasses.replace(finding.rule, base_score=base))


def _points(code: str) -> float:
    g = grading(code)
    return RELIABILITY_POINTS[g.source] + CREDIBILITY_POINTS[g.credibility]


@pytest.mark.parametrize(
    ("crossing_grading", "listing_grading", "expected"),
    [
        ("B2", "B2", 70.0),  # 55 + (15 + 15) / 2
        ("A1", "C3", 70.0),  # 55 + (25 + 5) / 2
        ("A1", "A1", 80.0),
        ("E5", "D4", 40.0),  # 55 + (-25 + -5) / 2
        ("F6", "F6", 55.0),
    ],
)
def test_score_is_base_plus_mean_grading(
    crossing_grading: str, listing_grading: str, expected: float,
) -> None:
    finding = _finding(crossing_grading, listing_grading)
    score = score_finding(finding)
    base, *grading_terms = score.contributions
    assert (base.source, base.points) == ("rule:watchlist-vehicle-crossing", 55)
    assert [t.source for t in grading_terms] == ["grading:CBP-OFO/x-1", "grading:HSI/wl-E1"]
    assert [t.points for t in grading_terms] == [_points(crossing_grading) / 2,
                                                 _points(listing_grading) / 2]
    assert score.value == pytest.approx(expected)
    assert score.value == pytest.approx(sum(t.points for t in score.contributions))


def test_extras_are_added_to_the_score() -> None:
    score = score_finding(_finding(outcome="port-runner"))
    assert score.contributions[-1].source == "crossing:port-runner"
    assert score.value == pytest.approx(70 + PORT_RUNNER_POINTS)
    assert score.value == pytest.approx(sum(t.points for t in score.contributions))
    assert score.priority is Priority.FLASH


def test_score_is_clamped_at_100() -> None:
    score = score_finding(_with_base(_finding("A1", "A1", outcome="port-runner"), 90))
    assert sum(t.points for t in score.contributions) == pytest.approx(135)
    assert score.value == 100
    assert score.priority is Priority.FLASH


def test_score_is_clamped_at_0() -> None:
    score = score_finding(_with_base(_finding("E5", "E5"), 10))
    assert sum(t.points for t in score.contributions) == pytest.approx(-15)
    assert score.value == 0
    assert score.priority is Priority.ROUTINE


@given(
    st.sampled_from(["A1", "B2", "C3", "D4", "E5", "F6", "A5", "E1"]),
    st.sampled_from(["A1", "B2", "C3", "D4", "E5", "F6", "A5", "E1"]),
    st.integers(min_value=0, max_value=100),
)
def test_score_is_the_clamped_sum_of_its_terms(a: str, b: str, base: int) -> None:
    score = score_finding(_with_base(_finding(a, b), base))
    total = base + (_points(a) + _points(b)) / 2
    assert score.value == pytest.approx(min(100.0, max(0.0, total)))
    assert score.priority is priority_for(score.value)


@pytest.mark.parametrize(
    ("score", "priority"),
    [
        (100, Priority.FLASH), (85, Priority.FLASH), (84.99, Priority.IMMEDIATE),
        (70, Priority.IMMEDIATE), (69.99, Priority.PRIORITY),
        (50, Priority.PRIORITY), (49.99, Priority.ROUTINE), (0, Priority.ROUTINE),
    ],
)
def test_priority_thresholds(score: float, priority: Priority) -> None:
    assert priority_for(score) is priority


def test_weakest_grading_takes_the_worst_of_each_letter() -> None:
    assert weakest_grading([grading("A3"), grading("C1")]) == grading("C3")
    assert weakest_grading([grading("B2")]) == grading("B2")


def _lead(**kw: Any) -> Lead:
    return build_lead(_finding(**kw), now=NOW)


def test_lead_id_does_not_depend_on_generation_time() -> None:
    finding = _finding()
    first = build_lead(finding, now=NOW)
    later = build_lead(finding, now=NOW + dt.timedelta(days=3))
    assert first.lead_id == later.lead_id
    assert (first.generated_at, later.generated_at) == (NOW, NOW + dt.timedelta(days=3))


def test_lead_id_differs_for_another_crossing() -> None:
    assert _lead().lead_id != _lead(event_id="x-2").lead_id


def test_lead_fields() -> None:
    lead = _lead()
    assert lead.revision == 1
    assert lead.first_event_at == T0 - dt.timedelta(days=1)
    assert lead.last_event_at == T0
    # 55 base + 15 grading + 5 corroboration (CBP-OFO and HSI: 2 -> 1) + 5 recency (3 s old)
    assert (lead.score, lead.priority, lead.category) == (80, Priority.IMMEDIATE, "watchlist")
    assert [(h.rule_id, h.rule_version) for h in lead.rule_hits] == [
        ("watchlist-vehicle-crossing", 1)]
    assert [(e.agency, e.event_id, e.type) for e in lead.evidence] == [
        (Agency.CBP_OFO, "x-1", "crossing.vehicle"),
        (Agency.HSI, "wl-E1", "watchlist.entry"),
    ]
    assert [e.occurred_at for e in lead.evidence] == [T0, T0 - dt.timedelta(days=1)]
    assert lead.location is not None
    assert lead.location.port is not None
    assert lead.location.port.value == "US-EL-PASO-BOTA"


def test_lead_grading_is_the_weakest_evidence() -> None:
    lead = _lead(crossing_grading="A3", listing_grading="C1")
    # weakest reliability; credibility corroborated by two agencies (CBP-OFO, HSI): best is 1
    assert lead.grading == Grading(source=SourceReliability.C,
                                   credibility=Credibility.CONFIRMED)
    assert [e.grading for e in lead.evidence] == [grading("A3"), grading("C1")]


def test_lead_handling_is_the_most_restrictive_of_crossing_and_entry() -> None:
    finding = findings_for(
        crossing(handling=handling(Tlp.GREEN, Country.USA, Country.MEX)),
        listing(handling=handling(Tlp.AMBER, Country.USA)),
    )[0]
    lead = build_lead(finding, now=NOW)
    assert lead.handling == Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA])


def test_lead_round_trips_through_json() -> None:
    lead = _lead(outcome="port-runner")
    again = Lead.model_validate_json(lead.model_dump_json())
    assert again == lead
    assert again.model_dump_json() == lead.model_dump_json()
