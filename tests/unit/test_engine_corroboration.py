"""``corroboration``: one entity key reported by k distinct agencies within the span."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fusion.contract import Agency, EventEnvelope
from rules.engine import RuleEngine
from tests.factories import T0, rule_spec, run_engine, vehicle_tip

HOUR = dt.timedelta(hours=1)
THREE = (Agency.HSI, Agency.DEA, Agency.FBI)


def _engine(**fields: Any) -> RuleEngine:
    spec: dict[str, Any] = {"on": {"kind": "vehicle"}, "when": {"feed": "tips"}, "agencies": 3,
              "within": "1d"} | fields
    return RuleEngine([rule_spec("corroboration", **spec)])


def _tips(agencies: tuple[Agency, ...], *, step: dt.timedelta = HOUR, plate: str = "ABC1234",
          role: str | None = None) -> list[EventEnvelope]:
    return [vehicle_tip(plate, event_id=f"t-{plate}-{i}", at=T0 + i * step, agency=a, role=role)
            for i, a in enumerate(agencies)]


def test_fires_when_enough_agencies_report_the_key() -> None:
    events = _tips(THREE)
    (finding,) = run_engine(_engine(), events)
    assert finding.evidence == tuple(events)
    assert "reported by 3 agencies (DEA, FBI, HSI) in 2h" in finding.explanation


def test_one_agency_repeating_itself_does_not_corroborate() -> None:
    assert run_engine(_engine(), _tips((Agency.HSI,) * 5)) == []


def test_reports_outside_the_span_do_not_count() -> None:
    assert run_engine(_engine(), _tips(THREE, step=13 * HOUR)) == []


def test_reports_on_different_keys_do_not_count() -> None:
    events = [*_tips(THREE[:2]), *_tips(THREE[2:], plate="ZZZ999")]
    assert run_engine(_engine(), events) == []


def test_fires_once_for_more_agencies() -> None:
    events = _tips((*THREE, Agency.ATF, Agency.USBP))
    assert len(run_engine(_engine(), events)) == 1


def test_role_must_match() -> None:
    engine = _engine(on={"kind": "vehicle", "role": "suspect"})
    assert run_engine(engine, _tips(THREE)) == []
    tagged = _tips(THREE, role="suspect")
    assert len(run_engine(_engine(on={"kind": "vehicle", "role": "suspect"}), tagged)) == 1
