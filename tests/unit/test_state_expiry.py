"""Bounded state: the engine's sweep deletes the rule states of keys that went quiet once the
watermark passes their newest time plus the rule's span, and sweeping changes no finding
(the corridor scenario with and without sweeps, over seeds)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from producers.scenario import CorridorScenario
from rules.engine import InMemoryStore, RuleEngine
from rules.engine.expiry import expired, newest_time
from rules.findings import Finding
from rules.loader import load_catalogue
from tests.factories import T0, crossing

CATALOGUE = Path(__file__).resolve().parents[2] / "rules" / "catalogue"
RULES = load_catalogue(CATALOGUE)
START = dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC)


def test_newest_time_reads_stored_events_and_marks_not_event_contents() -> None:
    entry = {"t": 100.0, "k": "A/1", "e": {"t": 999.0, "k": "inner", "fired_at": 5000.0}}
    assert newest_time({"entries": [entry, {"t": 50.0, "k": "A/2", "e": {}}]}) == 100.0
    assert newest_time({"entries": [], "fired_at": 300.0}) == 300.0
    assert newest_time({"runs": [[entry]], "latest": {"t": 120.0, "k": "A/3", "e": {}}}) == 120.0
    assert newest_time({}) is None
    assert expired({"entries": [entry]}, span=10.0, watermark=111.0)
    assert not expired({"entries": [entry]}, span=10.0, watermark=110.0)


def _rule_keys(store: InMemoryStore) -> list[str]:
    return [k for k in store.keys() if k.startswith("rule/")]  # noqa: SIM118 (a StateStore)


def test_a_quiet_key_state_goes_once_its_window_has_passed() -> None:
    store = InMemoryStore()
    engine = RuleEngine(RULES.rules, aliases=RULES.aliases, state=store)
    engine.process(crossing("ABC1234", event_id="x-1", outcome="refused"))
    engine.advance(T0 + dt.timedelta(hours=1))
    assert any("refused-then-crossed-again" in k for k in _rule_keys(store))
    assert engine.sweep() == 0  # within its 24 h
    engine.advance(T0 + dt.timedelta(hours=25))
    assert engine.sweep() >= 1
    assert not any("refused-then-crossed-again" in k for k in _rule_keys(store))


def _findings(events: list, *, sweep_every: int | None) -> list[tuple[str, tuple[str, ...]]]:
    store = InMemoryStore()
    engine = RuleEngine(RULES.rules, aliases=RULES.aliases, state=store)
    found: list[Finding] = []
    swept = 0
    for i, event in enumerate(events):
        result = engine.process(event)
        assert not result.late
        found += result.findings
        if sweep_every and i % sweep_every == 0:
            swept += engine.sweep()
    found += engine.advance(events[-1].occurred_at + dt.timedelta(days=40))
    if sweep_every:
        assert swept > 0  # the sweep had work: the comparison is not vacuous
        engine.sweep()
        assert _rule_keys(store) == []  # everything expires in the end
    return sorted((f.rule.rule_id, tuple(sorted(f.anchors))) for f in found)


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000))
def test_sweeping_changes_no_finding(seed: int) -> None:
    events = list(CorridorScenario(seed, start=START, per_hour=25.0).events(2000))  # 80 h
    assert _findings(events, sweep_every=100) == _findings(events, sweep_every=None)
