"""``watchlisted:`` is answered in event time by the engine itself: a plate read fires when
its plate was listed before the read happened, whichever of the two arrives first (at once
when the entry came first, on release otherwise, never twice); an entry removed or expired
before the read does not count; and the caller's context is still honoured."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fusion.contract import EventEnvelope
from fusion.resolution.keys import entity_keys
from producers.events import watchlist_event
from rules.engine import InMemoryStore, RuleEngine
from rules.engine.compiled import EvalContext
from rules.engine.engine import DEFAULT_LATENESS
from rules.findings import Finding
from rules.loader import load_catalogue
from tests.factories import T0, listing, lpr, vehicle

CATALOGUE = Path(__file__).resolve().parents[2] / "rules" / "catalogue"
RULE = "watchlisted-plate-read"
MINUTE = dt.timedelta(minutes=1)
NOTHING_LISTED = EvalContext()


def _engine() -> RuleEngine:
    rule = load_catalogue(CATALOGUE).rule(RULE)
    assert rule is not None
    return RuleEngine([rule])


def _fired(events: list[EventEnvelope], ctx: EvalContext = NOTHING_LISTED) -> list[Finding]:
    engine = _engine()
    findings: list[Finding] = []
    for event in events:
        findings += engine.process(event, ctx).findings
    findings += engine.advance(max(e.occurred_at for e in events) + DEFAULT_LATENESS + MINUTE)
    return [f for f in findings if f.rule.rule_id == RULE]


def test_a_read_that_arrives_before_the_earlier_listing_still_fires() -> None:
    entry = listing("ABC1234", at=T0)
    read = lpr("ABC1234", at=T0 + MINUTE)
    for order in ([entry, read], [read, entry]):
        [finding] = _fired(order)
        assert [e.key for e in finding.evidence] == [read.key]


def test_a_read_before_the_listing_does_not_fire() -> None:
    assert _fired([listing("ABC1234", at=T0 + MINUTE), lpr("ABC1234", at=T0)]) == []


def test_a_removed_entry_stops_counting_at_its_removal() -> None:
    add = listing("ABC1234", at=T0, entry_id="E9")
    remove = watchlist_event(event_id="wl-E9-off", entry_id="E9", vehicle=vehicle("ABC1234"),
                             occurred_at=T0 + 4 * MINUTE, reason="", action="remove")
    before = lpr("ABC1234", at=T0 + 2 * MINUTE, event_id="l-before")
    after = lpr("ABC1234", at=T0 + 6 * MINUTE, event_id="l-after")
    fired = _fired([after, remove, before, add])  # newest first, all within the lateness
    assert [[e.key for e in f.evidence] for f in fired] == [[before.key]]


def test_an_expired_entry_does_not_count() -> None:
    entry = listing("ABC1234", at=T0, expires_at=T0 + MINUTE)
    assert _fired([entry, lpr("ABC1234", at=T0 + 2 * MINUTE)]) == []


def test_another_plate_does_not_fire() -> None:
    assert _fired([listing("ABC1234", at=T0), lpr("XYZ9876", at=T0 + MINUTE)]) == []


def test_the_callers_context_at_arrival_still_counts() -> None:
    """An entry only the caller knows (listed before this engine's state began)."""
    read = lpr("ABC1234", at=T0)
    keys = {k for entity in read.entities for k in entity_keys(entity)}
    listed = EvalContext(watchlisted=keys.__contains__)
    assert len(_fired([read], listed)) == 1
    assert _fired([read]) == []


def test_the_event_time_watchlist_survives_a_restart() -> None:
    """State is plain JSON in the store: a new engine over the same store still knows."""
    rule = load_catalogue(CATALOGUE).rule(RULE)
    assert rule is not None
    store = InMemoryStore()
    first = RuleEngine([rule], state=store)
    first.process(listing("ABC1234", at=T0))  # applied as it arrives
    second = RuleEngine([rule], state=store)
    read = lpr("ABC1234", at=T0 + 2 * MINUTE)
    fired = second.process(read).findings
    fired += second.advance(read.occurred_at + DEFAULT_LATENESS + MINUTE)
    [finding] = fired
    assert finding.rule.rule_id == RULE


def test_a_read_of_a_plate_listed_already_fires_on_arrival_and_not_again() -> None:
    """Immediate if listed: no wait for the watermark when the entry came first."""
    engine = _engine()
    engine.process(listing("ABC1234", at=T0))
    read = lpr("ABC1234", at=T0 + MINUTE)
    [now] = [f for f in engine.process(read).findings if f.rule.rule_id == RULE]
    assert [e.key for e in now.evidence] == [read.key]
    later = engine.advance(read.occurred_at + DEFAULT_LATENESS + MINUTE)
    assert [f for f in later if f.rule.rule_id == RULE] == []


def test_a_late_entry_is_applied_and_not_reported_late() -> None:
    engine = _engine()
    engine.process(lpr("ZZZ0001", at=T0 + 30 * MINUTE, event_id="l-first"))
    engine.advance(T0 + 20 * MINUTE)
    result = engine.process(listing("ABC1234", at=T0))  # older than the watermark
    assert not result.late
    read = lpr("ABC1234", at=T0 + 40 * MINUTE)
    assert [f.rule.rule_id for f in engine.process(read).findings] == [RULE]


def test_the_engine_says_whether_any_rule_asks_the_watchlist() -> None:
    """The correlate stage looks keys up in Redis only when this is true."""
    catalogue = load_catalogue(CATALOGUE)
    assert _engine().asks_watchlist
    others = [r for r in catalogue.rules if r.id != RULE]
    assert not RuleEngine(others, aliases=catalogue.aliases).asks_watchlist
