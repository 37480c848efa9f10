"""Corroboration by independent agencies, recency, and the lead score over several hits."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.contract import (
    Agency,
    Credibility,
    EventEnvelope,
    Grading,
    ScoreContribution,
    SourceReliability,
)
from leads.building import build_lead
from leads.scoring import (
    CREDIBILITY_POINTS,
    RELIABILITY_POINTS,
    corroborate,
    corroboration_term,
    lead_grading,
    recency_points,
    recency_term,
    score_finding,
    score_lead,
)
from producers.events import tip_event
from rules.findings import Finding, RuleRef
from tests.factories import T0, grading, vehicle

KEY = "vehicle:US-TX:ABC1234"
H = dt.timedelta(hours=1)
D = dt.timedelta(days=1)
CODES = [f"{r}{c}" for r in "ABCDEF" for c in "123456"]


def tip(agency: Agency, code: str = "B2", *, at: dt.datetime = T0,
        event_id: str | None = None) -> EventEnvelope:
    return tip_event(event_id=event_id or f"t-{agency.slug}-{code}", occurred_at=at,
                     text="vehicle seen loading", entities=[vehicle()], agency=agency,
                     grading=grading(code))


def hit(*events: EventEnvelope, rule_id: str = "rule-a", base: float = 40,
        extra: tuple[ScoreContribution, ...] = ()) -> Finding:
    return Finding(
        rule=RuleRef(rule_id=rule_id, version=1, title=f"Rule {rule_id}", category="test",
                     base_score=base),
        explanation="fired", title=f"{rule_id} on {KEY}", summary="summary",
        anchors=(*sorted(e.key for e in events), KEY), evidence=events,
        entities=(vehicle(),), location=None, extra=extra,
    )


def _pairs(*items: tuple[Agency, str]) -> list[tuple[Agency, Grading]]:
    return [(agency, grading(code)) for agency, code in items]


A, B, C, D_, E = Agency.HSI, Agency.DEA, Agency.TX_DPS, Agency.CBP_OFO, Agency.USBP


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ([(A, "B3")], None),  # one agency: no change
        ([(A, "B3"), (A, "B2")], None),  # same agency twice: not independent
        ([(A, "B3"), (B, "B3")], "2"),  # two agencies: one step
        ([(A, "B4"), (B, "C4")], "3"),
        ([(A, "C3"), (B, "B4"), (C, "A3")], "1"),  # best 3, three agencies: two steps
        ([(A, "B3"), (B, "F6")], None),  # 6 cannot be judged: no evidence
        ([(A, "B3"), (B, "B5")], None),  # 5 improbable: contradicts, does not confirm
        ([(A, "B3"), (B, "B6"), (C, "B4")], "2"),  # the 6 is ignored, the 4 counts
        ([(A, "A1"), (B, "B1")], "1"),  # never better than 1
        ([(A, "B2"), (B, "B2"), (C, "B2"), (D_, "B2"), (E, "B2")], "1"),
        ([(A, "B4"), (A, "B2"), (B, "F4")], "1"),  # best 2 (from HSI), two agencies
        ([], None),
    ],
)
def test_corroborated_credibility(evidence: list[tuple[Agency, str]],
                                  expected: str | None) -> None:
    found = corroborate(_pairs(*evidence))
    assert (found.credibility.value if found.credibility else None) == expected


def test_corroboration_lists_agencies_once_in_alphabetical_order() -> None:
    found = corroborate(_pairs((C, "B3"), (A, "B3"), (C, "B2"), (B, "F6")))
    assert found.agencies == (Agency.HSI, Agency.TX_DPS)
    assert found.best is Credibility.PROBABLY_TRUE


@pytest.mark.parametrize(
    ("evidence", "expected"),
    [
        ([(A, "B3")], "B3"),
        ([(A, "A3"), (A, "C2")], "C3"),  # one agency: weakest of each letter, as before
        ([(A, "A3"), (B, "C3")], "C2"),  # reliability stays weakest, credibility corroborated
        ([(A, "A3"), (B, "F6")], "F6"),  # no corroboration: weakest, 6 included
        ([(A, "B3"), (B, "E4"), (C, "B3")], "E1"),
    ],
)
def test_lead_grading(evidence: list[tuple[Agency, str]], expected: str) -> None:
    events = [tip(agency, code, event_id=f"t-{i}") for i, (agency, code) in enumerate(evidence)]
    assert lead_grading(events) == grading(expected)


def test_corroboration_term_words_and_points() -> None:
    events = [tip(A, "B3"), tip(B, "C4"), tip(C, "A3")]
    term = corroboration_term(events)
    mean = (0 - 5 + 0) / 3
    assert term.source == "corroboration"
    assert term.points == pytest.approx(round(10 - mean, 2))
    assert term.reason.startswith(
        "reported by DEA, HSI, TX-DPS (3 agencies) raises credibility 3 -> 1")


@pytest.mark.parametrize(
    ("evidence", "reason"),
    [
        ([(A, "B2"), (A, "B3")], "credible evidence (graded 1-4) comes from HSI only (1 agency)"),
        ([(A, "B6"), (B, "B5")], "no evidence with a credibility of 1-4"),
    ],
)
def test_no_corroboration_is_listed_with_zero_points(
    evidence: list[tuple[Agency, str]], reason: str,
) -> None:
    events = [tip(agency, code, event_id=f"t-{i}") for i, (agency, code) in enumerate(evidence)]
    term = corroboration_term(events)
    assert term.points == 0
    assert term.reason == f"{reason}: credibility not raised"


def test_corroboration_that_keeps_credibility_1_says_so() -> None:
    term = corroboration_term([tip(A, "A1"), tip(B, "B3")])
    assert term.points == pytest.approx(10 - 5)
    assert "keeps credibility 1" in term.reason


@pytest.mark.parametrize(
    ("age", "points"),
    [
        (-H, 5.0),  # event time after now (clock skew): fresh
        (dt.timedelta(0), 5.0),
        (H, 5.0),
        (2 * H, 4.97),  # 5 * 166 / 167
        (3 * H, 4.94),
        (H + (7 * D - H) / 2, 2.5),
        (7 * D - H, 0.03),
        (7 * D, 0.0),
        (30 * D, 0.0),  # never negative
    ],
)
def test_recency_points(age: dt.timedelta, points: float) -> None:
    assert recency_points(age) == pytest.approx(points)


@pytest.mark.parametrize(
    ("age", "reason"),
    [
        (dt.timedelta(seconds=40), "newest evidence 40 s old: +5"),
        (12 * dt.timedelta(minutes=1), "newest evidence 12 min old: +5"),
        (3 * H, "newest evidence 3 h old: +4.94"),
        (2 * D + 5 * H, "newest evidence 2 d 5 h old: +3.44"),
        (9 * D, "newest evidence 9 d old: +0"),
    ],
)
def test_recency_term_words(age: dt.timedelta, reason: str) -> None:
    term = recency_term([tip(A, at=T0 - age - D), tip(B, at=T0 - age)], now=T0)
    assert term.source == "recency"
    assert term.reason.startswith(reason)


def test_recency_uses_the_newest_evidence() -> None:
    old, new = tip(A, at=T0 - 6 * D), tip(B, at=T0 - 30 * dt.timedelta(minutes=1))
    assert recency_term([old, new], now=T0).points == 5


def test_single_hit_lead_score_lists_every_term() -> None:
    finding = hit(tip(A, "B3", at=T0 - 3 * H), tip(B, "B3", at=T0 - 5 * H))
    score = score_lead([finding], now=T0)
    assert [t.source for t in score.contributions] == [
        "rule:rule-a", "grading:HSI/t-hsi-B3", "grading:DEA/t-dea-B3", "corroboration",
        "recency"]
    assert [t.points for t in score.contributions] == [40, 5, 5, 5, 4.94]
    assert score.value == pytest.approx(59.94)
    assert score.value == pytest.approx(sum(t.points for t in score.contributions))


def test_score_lead_of_one_hit_is_score_finding_plus_corroboration_and_recency() -> None:
    port_runner = ScoreContribution(source="x:y", points=7, reason="why")
    finding = hit(tip(A, "A2"), tip(A, "C4", event_id="t-2"), extra=(port_runner,))
    full = score_lead([finding], now=T0 + 8 * D)
    plain = score_finding(finding)
    assert full.contributions[:3] == plain.contributions[:3]
    assert full.value == plain.value  # one agency and 8 days old: both terms 0
    assert build_lead(finding, now=T0 + 8 * D).score == full.value


def test_multi_rule_base_and_capped_bonus() -> None:
    hits = [hit(tip(A), rule_id=f"rule-{n}", base=base)
            for n, base in enumerate([40, 60, 50, 10, 20])]
    terms = score_lead(hits, now=T0).contributions
    assert [(t.source, t.points) for t in terms[:6]] == [
        ("rule:rule-1", 60), ("rule:rule-2", 0), ("rule:rule-0", 0), ("rule:rule-4", 0),
        ("rule:rule-3", 0), ("rules:combined", 15)]  # the others by base score, highest first
    assert terms[0].reason == "base score of Rule rule-1 (highest of 5 rules)"
    assert terms[2].reason == ("base score 40 of Rule rule-0 not added: only the highest base "
                               "score counts")
    assert terms[5].reason == ("5 distinct rules in 5 hits: +5 for each rule beyond the first, "
                               "at most +15")


def test_repeat_hits_of_one_rule_add_no_bonus_and_extras_count_once() -> None:
    extra = ScoreContribution(source="crossing:port-runner", points=20, reason="ran")
    first = hit(tip(A, event_id="t-1"), extra=(extra,))
    second = hit(tip(A, event_id="t-2"), extra=(extra,))
    terms = score_lead([first, second], now=T0).contributions
    assert [t.source for t in terms].count("rules:combined") == 0
    assert [t.source for t in terms].count("crossing:port-runner") == 1


_gradings = st.sampled_from(CODES)
_agencies = st.sampled_from(list(Agency))


@st.composite
def _findings(draw: st.DrawFn) -> list[Finding]:
    count = draw(st.integers(min_value=1, max_value=4))
    out = []
    for n in range(count):
        events = [tip(draw(_agencies), draw(_gradings),
                      at=T0 - draw(st.integers(0, 400)) * H, event_id=f"e-{n}-{i}")
                  for i in range(draw(st.integers(1, 4)))]
        extra = tuple(ScoreContribution(source=f"x:{n}-{i}", points=p, reason="extra")
                      for i, p in enumerate(draw(st.lists(st.integers(-30, 30), max_size=2))))
        out.append(hit(*events, rule_id=f"rule-{draw(st.integers(0, 5))}",
                       base=draw(st.integers(0, 100)), extra=extra))
    return out


@given(_findings())
def test_score_is_within_0_and_100_and_the_clamped_sum(findings: list[Finding]) -> None:
    score = score_lead(findings, now=T0)
    assert 0 <= score.value <= 100
    total = sum(t.points for t in score.contributions)
    assert score.value == pytest.approx(min(100.0, max(0.0, total)), abs=0.011)


@given(_findings(), _agencies, st.data())
def test_corroborating_evidence_from_a_new_agency_never_lowers_the_score(
    findings: list[Finding], agency: Agency, data: st.DataObject,
) -> None:
    """New evidence from an agency not yet among the evidence, graded at least as well as every
    event (both letters, in points) and with a credibility of 1-4: never a lower score."""
    evidence = [e for f in findings for e in f.evidence]
    if agency in {e.agency for e in evidence}:
        return
    best_source = max(RELIABILITY_POINTS[e.grading.source] for e in evidence)
    best_cred = max(CREDIBILITY_POINTS[e.grading.credibility] for e in evidence)
    sources = [s for s in SourceReliability if RELIABILITY_POINTS[s] >= best_source]
    creds = [c for c in list(Credibility)[:4] if CREDIBILITY_POINTS[c] >= best_cred]
    if not creds:
        return
    code = data.draw(st.sampled_from(sources)).value + data.draw(st.sampled_from(creds)).value
    new = tip(agency, code, at=T0 - data.draw(st.integers(0, 400)) * H, event_id="new")
    before = score_lead(findings, now=T0).value
    first = findings[0]
    grown = [dataclasses.replace(first, evidence=(*first.evidence, new)), *findings[1:]]
    assert score_lead(grown, now=T0).value >= before - 0.02  # terms are rounded to 0.01
