"""``match`` rules and the engine's routing: fires per matching event, skips what cannot match."""

from __future__ import annotations

import datetime as dt

from fusion.contract import Feed
from rules.engine import RuleEngine
from tests.factories import T0, crossing, lpr, rule_spec

MINUTE = dt.timedelta(minutes=1)
PORT_RUNNER = {"feed": "poe-crossings", "type": "crossing.vehicle",
               "where": {"field": "attributes.outcome", "eq": "port-runner"}}


def test_match_fires_at_once_for_each_matching_event() -> None:
    engine = RuleEngine([rule_spec("match", when=PORT_RUNNER)])
    first, second = (crossing(event_id=f"x-{i}", at=T0 + i * MINUTE, outcome="port-runner")
                     for i in (1, 2))
    (finding,) = engine.process(first).findings
    assert finding.rule.rule_id == "test-match"
    assert finding.anchors == (first.key,)
    assert finding.evidence == (first,)
    assert finding.location == first.location
    assert "crossing.vehicle" in finding.explanation
    assert len(engine.process(second).findings) == 1


def test_match_does_not_fire_on_other_events() -> None:
    engine = RuleEngine([rule_spec("match", when=PORT_RUNNER)])
    assert engine.process(crossing(outcome="admitted")).findings == []
    assert engine.process(lpr(at=T0 + MINUTE)).findings == []


def test_disabled_rules_are_skipped() -> None:
    engine = RuleEngine([rule_spec("match", when=PORT_RUNNER, enabled=False)])
    assert engine.process(crossing(outcome="port-runner")).findings == []
    assert engine.routes_for(Feed.POE_CROSSINGS) == 0


def test_rules_are_indexed_by_feed() -> None:
    rules = [rule_spec("match", rule_id=f"rule-{i}", when=PORT_RUNNER) for i in range(50)]
    rules.append(rule_spec("match", rule_id="lpr-rule", when={"feed": "lpr-reads"}))
    engine = RuleEngine(rules)
    assert engine.routes_for(Feed.POE_CROSSINGS) == 50
    assert engine.routes_for(Feed.LPR_READS) == 1
    assert engine.routes_for(Feed.TIPS) == 0
