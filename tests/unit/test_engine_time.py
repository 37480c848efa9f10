"""Event time: late events, arrival order within the lateness bound, and restarts."""

from __future__ import annotations

import datetime as dt
import json

from hypothesis import given, settings
from hypothesis import strategies as st

from fusion.contract import Agency, EventEnvelope
from rules.engine import InMemoryStore, RuleEngine
from rules.language.spec import RuleSpec
from tests.factories import (
    T0,
    crossing,
    finding_ids,
    lpr,
    rule_spec,
    run_engine,
    vehicle_tip,
)

MINUTE = dt.timedelta(minutes=1)
LATENESS = dt.timedelta(hours=3)
AGENCIES = (Agency.HSI, Agency.DEA, Agency.FBI, Agency.ATF)
PLATES = ("AAA111", "BBB222")


def _rules() -> list[RuleSpec]:
    vehicle = {"kind": "vehicle"}
    return [
        rule_spec("threshold", when={"feed": "poe-crossings"}, group_by=vehicle, window="1h",
                  count=2),
        rule_spec("sequence", on=vehicle, ordered=False, within="1h",
                  steps=[{"feed": "lpr-reads"}, {"feed": "poe-crossings"}, {"feed": "tips"}]),
        rule_spec("corroboration", on=vehicle, when={"feed": "tips"}, agencies=2,
                  within="1h"),
        rule_spec("link", on="vehicle", left={"feed": "tips"},
                  right={"feed": "poe-crossings"}, within="30m"),
        rule_spec("absence", on=vehicle, first={"feed": "lpr-reads"},
                  then={"feed": "poe-crossings"}, within="20m"),
    ]


def _event(i: int, kind: int, plate: str, minute: int, agency: Agency) -> EventEnvelope:
    at = T0 + minute * MINUTE
    if kind == 0:
        return crossing(plate, event_id=f"x-{i}", at=at)
    if kind == 1:
        return lpr(plate, event_id=f"l-{i}", at=at)
    return vehicle_tip(plate, event_id=f"t-{i}", at=at, agency=agency)


events_strategy = st.lists(
    st.tuples(st.integers(0, 2), st.sampled_from(PLATES), st.integers(0, 170),
              st.sampled_from(AGENCIES)),
    min_size=1, max_size=14,
).map(lambda specs: [_event(i, *spec) for i, spec in enumerate(specs)])


@settings(max_examples=60, deadline=None)
@given(events=events_strategy, data=st.data())
def test_arrival_order_within_the_lateness_bound_does_not_change_findings(
    events: list[EventEnvelope], data: st.DataObject,
) -> None:
    in_order = sorted(events, key=lambda e: (e.occurred_at, e.key))
    shuffled = data.draw(st.permutations(events))
    expected = run_engine(RuleEngine(_rules(), allowed_lateness=LATENESS), in_order)
    actual = run_engine(RuleEngine(_rules(), allowed_lateness=LATENESS), shuffled)
    assert finding_ids(actual) == finding_ids(expected)


@settings(max_examples=30, deadline=None)
@given(events=events_strategy, cut=st.integers(0, 14))
def test_a_restart_from_json_state_gives_the_same_findings(
    events: list[EventEnvelope], cut: int,
) -> None:
    expected = run_engine(RuleEngine(_rules(), allowed_lateness=LATENESS), events)
    store = InMemoryStore()
    before = RuleEngine(_rules(), allowed_lateness=LATENESS, state=store)
    findings = [f for e in events[:cut] for f in before.process(e).findings]
    saved = json.loads(json.dumps(store.snapshot()))
    after = RuleEngine(_rules(), allowed_lateness=LATENESS, state=InMemoryStore(saved))
    findings += run_engine(after, events[cut:])
    assert finding_ids(findings) == finding_ids(expected)


def test_an_event_older_than_the_watermark_is_late_and_not_evaluated() -> None:
    engine = RuleEngine(_rules())  # ten minutes of lateness
    engine.process(crossing(event_id="x-new", at=T0 + 60 * MINUTE))
    assert engine.watermark == T0 + 50 * MINUTE
    result = engine.process(crossing(event_id="x-old", at=T0 + 40 * MINUTE))
    assert result.late
    assert result.findings == []
    assert engine.advance(T0 + 10 * 60 * MINUTE) == []  # the late crossing never counted


def test_an_event_within_the_lateness_bound_is_evaluated() -> None:
    engine = RuleEngine(_rules())
    engine.process(crossing(event_id="x-new", at=T0 + 60 * MINUTE))
    result = engine.process(crossing(event_id="x-old", at=T0 + 55 * MINUTE))
    assert not result.late
    (finding,) = engine.advance(T0 + 10 * 60 * MINUTE)
    assert finding.rule.rule_id == "test-threshold"


def test_stateful_findings_wait_for_the_watermark() -> None:
    engine = RuleEngine(_rules())
    engine.process(crossing(event_id="x-1", at=T0))
    assert engine.process(crossing(event_id="x-2", at=T0 + 5 * MINUTE)).findings == []
    (finding,) = engine.process(lpr("ZZZ999", event_id="l-9", at=T0 + 16 * MINUTE)).findings
    assert finding.rule.rule_id == "test-threshold"


def test_the_watermark_never_moves_back() -> None:
    engine = RuleEngine(_rules())
    engine.advance(T0 + 60 * MINUTE)
    engine.advance(T0)
    assert engine.watermark == T0 + 60 * MINUTE
    assert engine.process(crossing(at=T0 + 59 * MINUTE)).late
