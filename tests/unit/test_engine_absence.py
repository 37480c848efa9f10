"""``absence``: ``first`` without ``then`` for the same key within the span fires on advance."""

from __future__ import annotations

import datetime as dt
import json

from rules.engine import InMemoryStore, RuleEngine
from rules.language.spec import RuleSpec
from tests.factories import T0, crossing, lpr, rule_spec

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def _rule() -> RuleSpec:
    return rule_spec("absence", on={"kind": "vehicle"}, first={"feed": "lpr-reads"},
                     then={"feed": "poe-crossings"}, within="1h")


def _engine(store: InMemoryStore | None = None) -> RuleEngine:
    return RuleEngine([_rule()], state=store)


def test_fires_only_when_the_watermark_passes_the_deadline() -> None:
    engine, read = _engine(), lpr(at=T0)
    assert engine.process(read).findings == []
    assert engine.advance(T0 + 59 * MINUTE) == []
    (finding,) = engine.advance(T0 + HOUR + MINUTE)
    assert finding.evidence == (read,)
    assert "no poe-crossings followed within 1h" in finding.explanation
    assert engine.advance(T0 + 5 * HOUR) == []


def test_then_within_the_span_cancels() -> None:
    engine = _engine()
    engine.process(lpr(at=T0))
    engine.process(crossing(at=T0 + 30 * MINUTE))
    assert engine.advance(T0 + 5 * HOUR) == []


def test_then_after_the_deadline_does_not_cancel() -> None:
    engine = _engine()
    engine.process(lpr(at=T0))
    findings = engine.process(crossing(at=T0 + 2 * HOUR)).findings + engine.advance(T0 + 5 * HOUR)
    assert len(findings) == 1


def test_then_for_another_key_does_not_cancel() -> None:
    engine = _engine()
    engine.process(lpr("AAA111", at=T0))
    engine.process(crossing("BBB222", at=T0 + 10 * MINUTE))
    assert len(engine.advance(T0 + 5 * HOUR)) == 1


def test_a_second_first_while_pending_is_absorbed() -> None:
    engine = _engine()
    engine.process(lpr(event_id="l-1", at=T0))
    engine.process(lpr(event_id="l-2", at=T0 + 10 * MINUTE))
    (finding,) = engine.advance(T0 + 5 * HOUR)
    assert finding.evidence[0].event_id == "l-1"


def test_a_restarted_engine_resumes_pending_absences() -> None:
    store = InMemoryStore()
    _engine(store).process(lpr(at=T0))
    saved = json.loads(json.dumps(store.snapshot()))
    restarted = _engine(InMemoryStore(saved))
    assert restarted.advance(T0 + 30 * MINUTE) == []
    assert len(restarted.advance(T0 + 2 * HOUR)) == 1
