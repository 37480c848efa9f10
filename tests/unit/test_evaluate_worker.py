"""``fusion evaluate``'s own worker: the clock skew it gets covers the scenario's event time,
tail included."""

from __future__ import annotations

import datetime as dt

from cli.commands.evaluate_worker import required_skew, scenario_end
from producers.scenario import CorridorScenario

START = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)
MARGIN, STEP = dt.timedelta(hours=1), dt.timedelta(hours=2)


def test_the_end_is_past_every_event_and_every_due_by() -> None:
    end = scenario_end(CorridorScenario(3, start=START), events=5000, tail_margin=MARGIN,
                       tail_step=STEP)
    items = list(CorridorScenario(3, start=START).items(5000))
    last = max(i.event.occurred_at for i in items)
    due = max(t.due_by for i in items for t in i.completes)
    assert end == (last if last >= due + MARGIN else due + MARGIN + STEP)
    assert dt.timedelta(hours=20) < end - START < dt.timedelta(days=4)


def test_a_scenario_ending_after_its_due_bys_needs_no_tail() -> None:
    scenario = CorridorScenario(3, start=START, plant=False)
    end = scenario_end(scenario, events=500, tail_margin=MARGIN, tail_step=STEP)
    assert end == max(i.event.occurred_at for i in
                      CorridorScenario(3, start=START, plant=False).items(500))


def test_the_skew_covers_the_end_with_an_hour_to_spare() -> None:
    now = START + dt.timedelta(minutes=17)
    end = START + dt.timedelta(hours=40, seconds=30)
    skew = required_skew(end, now)
    assert skew >= (end - now).total_seconds() + 3600
    assert skew % 60 == 0
    assert skew < (end - now).total_seconds() + 3600 + 60
    assert required_skew(now, now) == 3600
    assert required_skew(now - dt.timedelta(days=1), now) == 300  # never below the default
