"""``threshold``: N events, or N distinct values, per entity key within a window."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fusion.contract import EventEnvelope
from fusion.resolution.keys import entity_keys
from rules.engine import RuleEngine
from tests.factories import T0, crossing, driver, rule_spec, run_engine, vehicle, vehicle_tip

HOUR = dt.timedelta(hours=1)
CROSSINGS = {"feed": "poe-crossings"}
KEY = entity_keys(vehicle())[0]  # vehicle:US-TX:A8C1234 (plates compare as read)


def _engine(**fields: Any) -> RuleEngine:
    spec: dict[str, Any] = {"when": CROSSINGS, "group_by": {"kind": "vehicle"}, "window": "24h",
              "count": 3} | fields
    return RuleEngine([rule_spec("threshold", **spec)])


def _crossings(hours: list[float], plate: str = "ABC1234") -> list[EventEnvelope]:
    return [crossing(plate, event_id=f"x-{plate}-{i}", at=T0 + h * HOUR)
            for i, h in enumerate(hours)]


def test_fires_when_the_count_is_reached() -> None:
    events = _crossings([0, 1, 2])
    (finding,) = run_engine(_engine(), events)
    assert finding.evidence == tuple(events)
    assert finding.anchors == (*sorted(e.key for e in events), KEY)
    assert finding.location == events[-1].location
    assert finding.entities[0].kind == "vehicle"
    assert "vehicle US-TX A8C1234" in finding.explanation
    assert "3 matching events in 2h" in finding.explanation
    assert "threshold 3 in 1d" in finding.explanation


def test_below_the_count_does_not_fire() -> None:
    assert run_engine(_engine(), _crossings([0, 1])) == []


def test_events_outside_the_window_do_not_count() -> None:
    assert run_engine(_engine(), _crossings([0, 13, 26])) == []


def test_different_keys_do_not_add_up() -> None:
    events = _crossings([0], "AAA111") + _crossings([1], "BBB222") + _crossings([2], "CCC333")
    assert run_engine(_engine(), events) == []


def test_fires_once_then_again_only_after_the_window_moved_past() -> None:
    burst = _crossings([0, 1, 2, 3, 4, 5, 6, 7])
    assert len(run_engine(_engine(), burst)) == 1
    later = _crossings([0, 1, 2, 3, 4, 5, 26, 27])
    first, second = run_engine(_engine(), later)
    assert [e.occurred_at for e in first.evidence] == [T0 + h * HOUR for h in (0, 1, 2)]
    # 24h after the last event that fired, the window holds only later events
    assert [e.occurred_at for e in second.evidence] == [T0 + h * HOUR for h in (5, 26, 27)]


def test_distinct_values_of_a_field() -> None:
    engine = _engine(count=None, distinct={"field": "entities.person[driver].name",
                                           "at_least": 3})
    same = [crossing(event_id=f"s-{i}", at=T0 + i * HOUR, persons=(driver("Ana Ruiz"),))
            for i in range(4)]
    assert run_engine(engine, same) == []
    names = ["Ana Ruiz", "Luis Soto", "Eva Lima"]
    varied = [crossing(event_id=f"d-{i}", at=T0 + i * HOUR, persons=(driver(n),))
              for i, n in enumerate(names)]
    (finding,) = run_engine(_engine(count=None, distinct={"field": "entities.person[driver].name",
                                                          "at_least": 3}), varied)
    assert "3 distinct values" in finding.explanation
    assert all(name in finding.explanation for name in names)


def test_group_role_must_match() -> None:
    engine = _engine(when={"feed": "tips"}, group_by={"kind": "vehicle", "role": "suspect"})
    untagged = [vehicle_tip(event_id=f"t-{i}", at=T0 + i * HOUR) for i in range(3)]
    assert run_engine(engine, untagged) == []
    tagged = [vehicle_tip(event_id=f"t-{i}", at=T0 + i * HOUR, role="suspect") for i in range(3)]
    assert len(run_engine(_engine(when={"feed": "tips"},
                                  group_by={"kind": "vehicle", "role": "suspect"}), tagged)) == 1
