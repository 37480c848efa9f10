"""Gated clauses (``rules/engine/gates.py``): a clause that only extends rule state is applied
when its rule holds state for the event's key, also state written before a restart, and never
costs a held pair per rule."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from rules.engine import InMemoryStore, RuleEngine
from rules.engine.gates import GATED, LiveStates
from rules.language.spec import RuleSpec
from tests.factories import T0, crossing, lpr, rule_spec

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def _sequence(n: int, **fields: Any) -> RuleSpec:
    return rule_spec("sequence", f"seq-{n}", on={"kind": "vehicle"}, within="2h",
                     steps=[{"feed": "lpr-reads"}, {"feed": "poe-crossings"}], **fields)


def test_a_later_step_is_held_as_one_gated_pair_however_many_rules_share_it() -> None:
    store = InMemoryStore()
    engine = RuleEngine([_sequence(n) for n in range(20)], state=store)
    cross = crossing(at=T0)
    engine.process(cross)
    held = store.get(f"held/{cross.key}")
    assert held is not None
    assert held["m"] == [GATED]


def test_a_gated_step_extends_state_written_before_a_restart() -> None:
    rules = [_sequence(n) for n in range(3)]
    store = InMemoryStore()
    before = RuleEngine(rules, state=store)
    before.process(lpr(at=T0))
    assert before.advance(T0 + HOUR) == []
    saved = InMemoryStore(json.loads(json.dumps(store.snapshot())))
    after = RuleEngine(rules, state=saved)
    after.process(crossing(at=T0 + HOUR))
    findings = after.advance(T0 + 2 * HOUR)
    assert sorted(f.rule.rule_id for f in findings) == ["seq-0", "seq-1", "seq-2"]


def test_one_event_starting_and_extending_one_rule_is_applied_in_clause_order() -> None:
    rule = rule_spec("absence", on={"kind": "vehicle"}, first={"feed": "lpr-reads"},
                     then={"feed": "lpr-reads"}, within="1h")
    engine = RuleEngine([rule])
    engine.process(lpr(at=T0))
    # the read starts an absence and is no ``then`` for itself; a later read cancels it
    engine.process(lpr(event_id="l-2", at=T0 + 30 * MINUTE))
    assert engine.advance(T0 + 3 * HOUR) == []


def test_live_states_follow_the_store_and_the_notes() -> None:
    store = InMemoryStore({"rule/seq-1/vehicle:US-TX:ABC1234": {"runs": [[]]},
                           "held/x": {}, "engine/clock": {}})
    live = LiveStates(store)
    live.note("seq-9", "vehicle:US-TX:ABC1234", present=True)  # before the first read: no-op
    assert live.of("vehicle:US-TX:ABC1234") == {"seq-1"}
    live.note("seq-2", "vehicle:US-TX:ABC1234", present=True)
    live.note("seq-1", "vehicle:US-TX:ABC1234", present=False)
    assert live.of("vehicle:US-TX:ABC1234") == {"seq-2"}
    assert live.of("vehicle:US-TX:OTHER") == frozenset()
