"""Several rule hits on one entity combined into one lead (leads.combining)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.contract import (
    Agency,
    Country,
    EventEnvelope,
    Handling,
    Lead,
    Priority,
    ScoreContribution,
    Tlp,
)
from leads.building import build_lead
from leads.combining import assemble, combine_findings, group_key_of, is_event_key, plan_leads
from producers.events import tip_event
from rules.findings import Finding, RuleRef
from tests.factories import T0, crossing, findings_for, grading, handling, listing, vehicle

VAN = "vehicle:US-TX:ABC1234"
CAR = "vehicle:US-AZ:XYZ9876"
H = dt.timedelta(hours=1)
NOW = T0 + H


def tip(agency: Agency, code: str = "B2", *, at: dt.datetime = T0, event_id: str = "t-1",
        rel: Handling | None = None) -> EventEnvelope:
    return tip_event(event_id=event_id, occurred_at=at, text="vehicle seen loading",
                     entities=[vehicle()], agency=agency, grading=grading(code),
                     handling=rel or handling())


def hit(rule_id: str, *events: EventEnvelope, key: str | None = VAN, base: float = 40,
        extra: tuple[ScoreContribution, ...] = (), category: str = "test") -> Finding:
    """A finding as the engine builds it: sorted event keys, then the group key."""
    return Finding(
        rule=RuleRef(rule_id=rule_id, version=1, title=f"Rule {rule_id}", category=category,
                     base_score=base),
        explanation=f"{rule_id} fired", title=f"{rule_id} on {key}", summary=f"{rule_id} summary",
        anchors=(*sorted(e.key for e in events), *((key,) if key else ())), evidence=events,
        entities=(vehicle(),), location=None, extra=extra,
    )


HSI_TIP = tip(Agency.HSI, "B2", at=T0 - 2 * H, event_id="t-1")
DEA_TIP = tip(Agency.DEA, "B3", at=T0, event_id="t-2",
              rel=handling(Tlp.AMBER, Country.USA))
FIRST = hit("rule-alpha", HSI_TIP, base=55, category="watchlist")
SECOND = hit("rule-beta", HSI_TIP, DEA_TIP, base=40, category="pattern",
             extra=(ScoreContribution(source="beta:night", points=3, reason="at night"),))


def test_two_rules_on_one_vehicle_make_one_lead() -> None:
    (lead,) = combine_findings([SECOND, FIRST], now=NOW)
    assert lead.lead_id == build_lead(FIRST, now=NOW).lead_id
    assert lead.revision == 2
    assert [(h.rule_id, h.explanation) for h in lead.rule_hits] == [
        ("rule-alpha", "rule-alpha fired"), ("rule-beta", "rule-beta fired")]
    assert [(e.agency, e.event_id) for e in lead.evidence] == [
        (Agency.HSI, "t-1"), (Agency.DEA, "t-2")]  # the shared HSI tip once
    assert lead.handling == Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA])
    assert lead.grading == grading("B1")  # HSI and DEA: best 2, one step
    assert (lead.first_event_at, lead.last_event_at) == (T0 - 2 * H, T0)
    assert lead.category == "watchlist"  # the rule with the highest base score
    assert lead.title == ("vehicle US-TX ABC1234: 2 hits of 2 rule(s): "
                          "Rule rule-alpha; Rule rule-beta")
    assert [(t.source, t.points) for t in lead.contributions] == [
        ("rule:rule-alpha", 55), ("rule:rule-beta", 0), ("rules:combined", 5),
        ("grading:HSI/t-1", 7.5), ("grading:DEA/t-2", 5), ("corroboration", 7.5),
        ("beta:night", 3), ("recency", 5)]
    assert lead.score == pytest.approx(88)
    assert lead.score == pytest.approx(sum(t.points for t in lead.contributions))
    assert lead.priority is Priority.FLASH
    assert Lead.model_validate_json(lead.model_dump_json()) == lead


def test_different_entities_make_separate_leads() -> None:
    other = hit("rule-beta", tip(Agency.DEA, event_id="t-9"), key=CAR)
    leads = combine_findings([FIRST, other], now=NOW)
    assert [lead.lead_id for lead in leads] == [build_lead(FIRST, now=NOW).lead_id,
                                                build_lead(other, now=NOW).lead_id]
    assert [lead.revision for lead in leads] == [1, 1]


def test_one_hit_is_exactly_build_lead() -> None:
    assert combine_findings([FIRST], now=NOW) == [build_lead(FIRST, now=NOW)]


def test_lead_id_stays_and_revision_rises_as_hits_arrive() -> None:
    third = hit("rule-gamma", tip(Agency.TX_DPS, "C3", at=T0 + H / 2, event_id="t-3"))
    steps = [combine_findings(hits, now=NOW)
             for hits in ([FIRST], [FIRST, SECOND], [FIRST, SECOND, third])]
    assert [len(leads) for leads in steps] == [1, 1, 1]
    assert len({leads[0].lead_id for leads in steps}) == 1
    assert [leads[0].revision for leads in steps] == [1, 2, 3]
    assert [h.rule_id for h in steps[-1][0].rule_hits] == ["rule-alpha", "rule-beta",
                                                          "rule-gamma"]


def test_the_same_hit_twice_counts_once() -> None:
    (lead,) = combine_findings([FIRST, SECOND, FIRST, dataclasses.replace(SECOND)], now=NOW)
    assert lead.revision == 2


def test_repeat_hits_of_one_rule_combine_without_bonus() -> None:
    again = hit("rule-alpha", tip(Agency.HSI, at=T0 - H, event_id="t-5"), base=55)
    (lead,) = combine_findings([FIRST, again], now=NOW)
    assert [h.rule_id for h in lead.rule_hits] == ["rule-alpha", "rule-alpha"]
    assert "rules:combined" not in [t.source for t in lead.contributions]
    assert lead.title == "vehicle US-TX ABC1234: 2 hits of 1 rule(s): Rule rule-alpha"


@pytest.mark.parametrize(
    ("gap", "leads"),
    [(dt.timedelta(0), 1), (24 * H, 1), (24 * H + dt.timedelta(seconds=1), 2)],
)
def test_horizon_is_measured_from_the_first_hit(gap: dt.timedelta, leads: int) -> None:
    later = hit("rule-beta", tip(Agency.DEA, at=T0 - 2 * H + gap, event_id="t-7"))
    assert len(combine_findings([FIRST, later], now=NOW + 2 * gap)) == leads


def test_a_hit_after_the_horizon_opens_the_next_lead_of_the_entity() -> None:
    hits = [hit(f"rule-{n}", tip(Agency.DEA, at=T0 + n * 10 * H, event_id=f"t-{n}"))
            for n in range(5)]  # at 0, 10, 20 | 30, 40 h
    leads = combine_findings(hits, now=T0 + 50 * H)
    assert [lead.revision for lead in leads] == [3, 2]
    assert [lead.lead_id for lead in leads] == [build_lead(hits[0], now=NOW).lead_id,
                                                build_lead(hits[3], now=NOW).lead_id]
    assert len(combine_findings(hits, now=NOW, horizon=100 * H)) == 1


def test_hits_without_an_entity_key_stand_alone() -> None:
    loose = [hit("rule-alpha", HSI_TIP, key=None), hit("rule-beta", DEA_TIP, key=None)]
    assert combine_findings(loose, now=NOW) == [build_lead(f, now=NOW) for f in loose]


def test_group_key_field_wins_over_anchors() -> None:
    tagged = dataclasses.replace(hit("rule-beta", DEA_TIP, key=CAR), group_key=VAN)
    (lead,) = combine_findings([FIRST, tagged], now=NOW)
    assert lead.revision == 2


@pytest.mark.parametrize(
    ("anchors", "key"),
    [
        (("CBP-OFO/x-1", VAN), VAN),
        (("CBP-OFO/x:1", "watchlist:HSI/wl-E1"), "watchlist:HSI/wl-E1"),
        (("watchlist:HSI/wl-E1", "document:MEX:passport:G123"), "document:MEX:passport:G123"),
        (("CBP-OFO/x-1", "HSI/a:b"), None),
        ((), None),
    ],
)
def test_group_key_fallback(anchors: tuple[str, ...], key: str | None) -> None:
    assert group_key_of(dataclasses.replace(FIRST, anchors=anchors)) == key


def test_event_keys() -> None:
    assert is_event_key("CBP-OFO/x-1")
    assert is_event_key("TX-DPS/a:b")
    assert not is_event_key("watchlist:HSI/E1")
    assert not is_event_key(VAN)


def test_watchlist_hits_of_one_entry_combine() -> None:
    (first,) = findings_for(crossing(), listing())
    (second,) = findings_for(crossing(event_id="x-2", at=T0 + H), listing())
    (lead,) = combine_findings([second, first], now=T0 + 2 * H)
    assert lead.lead_id == build_lead(first, now=NOW).lead_id
    assert lead.revision == 2
    assert [e.event_id for e in lead.evidence] == ["x-1", "wl-E1", "x-2"]


def test_combining_needs_nothing_but_findings() -> None:
    assert combine_findings([], now=NOW) == []


_agencies = st.sampled_from([Agency.HSI, Agency.DEA, Agency.TX_DPS, Agency.CBP_OFO])
_codes = st.sampled_from(["A1", "B2", "C3", "D4", "E5", "F6"])


@st.composite
def _hits(draw: st.DrawFn) -> list[Finding]:
    out = []
    for n in range(draw(st.integers(1, 6))):
        events = [tip(draw(_agencies), draw(_codes), at=T0 + draw(st.integers(0, 60)) * H,
                      event_id=f"e-{draw(st.integers(0, 8))}")
                  for _ in range(draw(st.integers(1, 3)))]
        out.append(hit(f"rule-{draw(st.integers(0, 3))}-{n}", *events,
                       key=draw(st.sampled_from([VAN, CAR, None])),
                       base=draw(st.integers(0, 100))))
    return out


@given(_hits(), st.randoms(use_true_random=False))
def test_combining_does_not_depend_on_the_input_order(
    hits: list[Finding], rnd: random.Random,
) -> None:
    shuffled = list(hits)
    rnd.shuffle(shuffled)
    now = T0 + 70 * H
    assert combine_findings(shuffled, now=now) == combine_findings(hits, now=now)


@given(_hits())
def test_every_combined_lead_is_valid_and_scored_within_0_and_100(hits: list[Finding]) -> None:
    leads = combine_findings(hits, now=T0 + 70 * H)
    assert sum(lead.revision for lead in leads) == len(hits)
    for lead in leads:
        assert 0 <= lead.score <= 100
        assert Lead.model_validate_json(lead.model_dump_json()) == lead


@given(_hits())
def test_planned_leads_are_the_combined_leads(hits: list[Finding]) -> None:
    """``plan_leads`` (what ``leads.recent_hits`` uses to assemble only the leads that gained
    a hit) names the same leads, revisions and order as ``combine_findings`` builds."""
    now = T0 + 70 * H
    plans = plan_leads(hits)
    leads = combine_findings(hits, now=now)
    assert [(p.lead_id, p.revision) for p in plans] == [(x.lead_id, x.revision) for x in leads]
    assert [assemble(p, now=now) for p in plans] == leads
