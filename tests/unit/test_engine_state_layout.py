"""The engine's state layout: held events under their own keys, deadlines summarised, state
from the older single-buffer layout adopted, and restarts from JSON still exact."""

from __future__ import annotations

import datetime as dt
import json

from rules.engine import InMemoryStore, RuleEngine
from rules.engine.buffer import INDEX_KEY
from rules.engine.deadlines import SUMMARY_KEY
from rules.language.spec import RuleSpec
from tests.factories import T0, crossing, lpr, rule_spec

MINUTE = dt.timedelta(minutes=1)
HOUR = dt.timedelta(hours=1)


def _absence() -> RuleSpec:
    return rule_spec("absence", on={"kind": "vehicle"}, first={"feed": "lpr-reads"},
                     then={"feed": "poe-crossings"}, within="1h")


def test_each_held_event_has_its_own_key_and_an_index_entry() -> None:
    store = InMemoryStore()
    engine = RuleEngine([_absence()], state=store)
    read = lpr(at=T0)
    engine.process(read)
    held = store.get(f"held/{read.key}")
    assert held is not None
    assert held["m"] == [[_absence().id, "first"]]
    assert store.get(INDEX_KEY) == {"due": [[read.occurred_at.timestamp(), read.key]]}
    engine.advance(T0 + MINUTE)
    assert store.get(f"held/{read.key}") is None
    assert store.get(INDEX_KEY) == {"due": []}


def test_the_deadline_summary_follows_pending_absences() -> None:
    store = InMemoryStore()
    engine = RuleEngine([_absence()], state=store)
    engine.process(lpr(at=T0))
    engine.advance(T0 + MINUTE)
    summary = store.get(SUMMARY_KEY)
    assert summary is not None
    assert summary["next"] == (T0 + HOUR).timestamp()
    assert len(engine.advance(T0 + 2 * HOUR)) == 1
    assert store.get(SUMMARY_KEY) == {"rules": {}, "next": None}


def test_a_then_for_a_key_with_nothing_pending_writes_no_state() -> None:
    store = InMemoryStore()
    engine = RuleEngine([_absence()], state=store)
    engine.process(crossing(at=T0))
    engine.advance(T0 + HOUR)
    assert not [k for k in store.snapshot() if k.startswith(("rule/", "deadlines/"))]


def test_a_restart_between_hold_and_release_rebuilds_the_held_event() -> None:
    store = InMemoryStore()
    RuleEngine([_absence()], state=store).process(lpr(at=T0))
    saved = InMemoryStore(json.loads(json.dumps(store.snapshot())))
    (finding,) = RuleEngine([_absence()], state=saved).advance(T0 + 2 * HOUR)
    assert finding.evidence[0].key == lpr(at=T0).key
