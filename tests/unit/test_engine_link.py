"""``link``: a left and a right event share an entity key within the span."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rules.engine import RuleEngine
from tests.factories import T0, crossing, lpr, rule_spec, run_engine, vehicle_tip

HOUR = dt.timedelta(hours=1)


def _engine(**fields: Any) -> RuleEngine:
    spec: dict[str, Any] = {"on": "vehicle", "left": {"feed": "tips"},
                            "right": {"feed": "poe-crossings"}, "within": "6h"} | fields
    return RuleEngine([rule_spec("link", **spec)])


def test_fires_when_both_sides_share_the_key() -> None:
    tip, cross = vehicle_tip(at=T0), crossing(at=T0 + HOUR)
    (finding,) = run_engine(_engine(), [tip, cross])
    assert finding.evidence == (tip, cross)
    assert finding.anchors[:2] == tuple(sorted((tip.key, cross.key)))
    assert "tip.report" in finding.explanation
    assert "crossing.vehicle" in finding.explanation


def test_any_order_pairs_right_before_left() -> None:
    assert len(run_engine(_engine(), [crossing(at=T0), vehicle_tip(at=T0 + HOUR)])) == 1


def test_left_first_needs_the_left_event_first() -> None:
    engine = _engine(order="left-first")
    assert run_engine(engine, [crossing(at=T0), vehicle_tip(at=T0 + HOUR)]) == []
    assert len(run_engine(_engine(order="left-first"),
                          [vehicle_tip(at=T0), crossing(at=T0 + HOUR)])) == 1


def test_no_link_outside_the_span_or_across_keys() -> None:
    assert run_engine(_engine(), [vehicle_tip(at=T0), crossing(at=T0 + 7 * HOUR)]) == []
    assert run_engine(_engine(), [vehicle_tip("AAA111", at=T0),
                                  crossing("BBB222", at=T0 + HOUR)]) == []


def test_roles_are_checked_per_side() -> None:
    events = [vehicle_tip(at=T0), crossing(at=T0 + HOUR)]
    assert run_engine(_engine(left_role="suspect"), events) == []
    tagged = [vehicle_tip(at=T0, role="suspect"), crossing(at=T0 + HOUR)]
    assert len(run_engine(_engine(left_role="suspect"), tagged)) == 1


def test_each_pairing_event_fires_once() -> None:
    events = [vehicle_tip(at=T0), crossing(event_id="x-1", at=T0 + HOUR),
              crossing(event_id="x-2", at=T0 + 2 * HOUR), lpr(at=T0 + 3 * HOUR)]
    findings = run_engine(_engine(), events)
    assert sorted(f.evidence[-1].event_id for f in findings) == ["x-1", "x-2"]
