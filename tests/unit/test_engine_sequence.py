"""``sequence``: steps on one entity key within a span, ordered or in any order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rules.engine import RuleEngine
from tests.factories import T0, crossing, lpr, rule_spec, run_engine, vehicle_tip

HOUR = dt.timedelta(hours=1)
STEPS = [{"feed": "lpr-reads"}, {"feed": "poe-crossings"}]


def _engine(**fields: Any) -> RuleEngine:
    spec: dict[str, Any] = {"on": {"kind": "vehicle"}, "steps": STEPS, "within": "2h"} | fields
    return RuleEngine([rule_spec("sequence", **spec)])


def test_ordered_steps_fire() -> None:
    read, cross = lpr(at=T0), crossing(at=T0 + HOUR)
    (finding,) = run_engine(_engine(), [read, cross])
    assert finding.evidence == (read, cross)
    assert "lpr.read then crossing.vehicle" in finding.explanation
    assert "in 1h (within 2h)" in finding.explanation


def test_ordered_steps_in_the_wrong_order_do_not_fire() -> None:
    assert run_engine(_engine(), [crossing(at=T0), lpr(at=T0 + HOUR)]) == []


def test_steps_outside_the_span_do_not_fire() -> None:
    assert run_engine(_engine(), [lpr(at=T0), crossing(at=T0 + 3 * HOUR)]) == []


def test_steps_on_different_keys_do_not_fire() -> None:
    assert run_engine(_engine(), [lpr("AAA111", at=T0), crossing("BBB222", at=T0 + HOUR)]) == []


def test_fires_once_per_completed_set() -> None:
    events = [lpr(at=T0), crossing(event_id="x-1", at=T0 + HOUR),
              crossing(event_id="x-2", at=T0 + 1.5 * HOUR)]
    assert len(run_engine(_engine(), events)) == 1
    again = [*events, lpr(event_id="l-2", at=T0 + 2 * HOUR),
             crossing(event_id="x-3", at=T0 + 3 * HOUR)]
    assert len(run_engine(_engine(), again)) == 2


def test_three_steps_use_the_latest_start_that_completes() -> None:
    steps = [{"feed": "tips"}, {"feed": "lpr-reads"}, {"feed": "poe-crossings"}]
    events = [vehicle_tip(event_id="t-old", at=T0), vehicle_tip(event_id="t-new", at=T0 + HOUR),
              lpr(at=T0 + 2 * HOUR), crossing(at=T0 + 2.5 * HOUR)]
    (finding,) = run_engine(_engine(steps=steps), events)
    assert [e.event_id for e in finding.evidence] == ["t-new", "l-1", "x-1"]


def test_unordered_steps_fire_in_any_order() -> None:
    (finding,) = run_engine(_engine(ordered=False), [crossing(at=T0), lpr(at=T0 + HOUR)])
    assert "in any order" in finding.explanation
    assert run_engine(_engine(ordered=False), [crossing(at=T0), lpr(at=T0 + 3 * HOUR)]) == []


def test_role_must_match() -> None:
    steps = [{"feed": "tips"}, {"feed": "tips", "type": "tip.report"}]
    engine = _engine(steps=steps, on={"kind": "vehicle", "role": "suspect"})
    events = [vehicle_tip(event_id="t-1", at=T0), vehicle_tip(event_id="t-2", at=T0 + HOUR)]
    assert run_engine(engine, events) == []
