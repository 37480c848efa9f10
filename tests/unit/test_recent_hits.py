"""Hits on one entity, seen one batch at a time, combine into one lead that is re-issued
with a higher revision per new hit; a replayed hit re-issues nothing; a hit past the horizon
opens the next lead; the state is plain JSON holding only the latest lead's hits."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from pathlib import Path

import pytest

from fusion.contract import EventEnvelope
from fusion.resolution.keys import entity_keys
from leads.building import build_lead
from leads.combining import DEFAULT_HORIZON
from leads.recent_hits import combine_recent, expired, keyed
from rules.findings import Finding, RuleRef
from tests.factories import T0, crossing

CATALOGUE = Path(__file__).resolve().parents[2] / "rules" / "catalogue"
NOW = T0 + dt.timedelta(days=30)
HOUR = dt.timedelta(hours=1)


def _hit(rule_id: str, event: EventEnvelope) -> Finding:
    key = entity_keys(event.entities[0])[0]
    return Finding(rule=RuleRef(rule_id, 1, f"{rule_id} title", "vehicles", 40.0),
                   explanation=f"{rule_id} fired", title=f"{rule_id} on {key}",
                   summary=f"{rule_id} summary", anchors=(event.key, key), evidence=(event,),
                   entities=tuple(event.entities), location=event.location, group_key=key)


def test_hits_on_one_entity_revise_one_lead() -> None:
    first = _hit("rule-a", crossing(event_id="x-1", at=T0))
    state, [lead] = combine_recent(None, [first], now=NOW)
    assert lead.revision == 1
    assert lead.lead_id == build_lead(first, now=NOW).lead_id  # as if alone
    json.dumps(state)  # plain JSON, for the changelog
    second = _hit("rule-b", crossing(event_id="x-2", at=T0 + HOUR))
    state, [revised] = combine_recent(state, [second], now=NOW)
    assert revised.lead_id == lead.lead_id
    assert revised.revision == 2
    assert [h.rule_id for h in revised.rule_hits] == ["rule-a", "rule-b"]
    assert {e.event_id for e in revised.evidence} == {"x-1", "x-2"}


def test_a_replayed_hit_reissues_nothing() -> None:
    hit = _hit("rule-a", crossing(event_id="x-1", at=T0))
    state, _ = combine_recent(None, [hit], now=NOW)
    again, leads = combine_recent(state, [hit], now=NOW)
    assert leads == []
    assert again == state


def test_a_hit_past_the_horizon_opens_the_next_lead_and_the_old_hits_go() -> None:
    old = _hit("rule-a", crossing(event_id="x-1", at=T0))
    state, [first] = combine_recent(None, [old], now=NOW)
    late = _hit("rule-b", crossing(event_id="x-9", at=T0 + 30 * HOUR))
    state, [lead] = combine_recent(state, [late], now=NOW)
    assert lead.lead_id != first.lead_id
    assert lead.revision == 1
    assert [h["rule"]["rule_id"] for h in state["hits"]] == ["rule-b"]


def test_hits_without_an_entity_key_stand_alone() -> None:
    hit = _hit("rule-a", crossing(event_id="x-1", at=T0))
    loose = Finding(rule=hit.rule, explanation="", title="t", summary="s",
                    anchors=("CBP-OFO/x-1",), evidence=hit.evidence, entities=(),
                    location=None)
    by_key, alone = keyed([hit, loose])
    assert alone == [loose]
    assert list(by_key) == [hit.group_key]


def test_the_state_expires_once_its_latest_lead_cannot_grow() -> None:
    state, _ = combine_recent(None, [_hit("rule-a", crossing(event_id="x-1", at=T0))], now=NOW)
    end = (T0 + DEFAULT_HORIZON).timestamp()
    assert not expired(state, end - 1)
    assert expired(state, end + 1)


def test_the_correlate_stage_sweeps_expired_hits() -> None:
    """The stage drops hits/<key> of keys whose latest lead can no longer grow, at most once
    per sweep interval, and keeps the others."""
    from prometheus_client import CollectorRegistry

    from rules.engine import InMemoryStore
    from rules.loader import load_catalogue
    from stream_apps.correlate import HITS_PREFIX, CorrelationStage
    from stream_apps.metrics import WorkerMetrics
    from stream_apps.rule_runtime import RuleRuntime

    store = InMemoryStore()
    rules = load_catalogue(CATALOGUE)
    stage = CorrelationStage(
        runtime=RuleRuntime(rules, "test", dt.timedelta(seconds=0)), seed=_no_entries,
        metrics=WorkerMetrics(CollectorRegistry()), clock=lambda: NOW,
        store_for=lambda partition: store, partitions=1, sweep_every=60,
        monotonic=lambda: 0.0)
    old, _ = combine_recent(None, [_hit("rule-a", crossing(event_id="x-1", at=T0))], now=NOW)
    new, _ = combine_recent(None, [_hit("rule-a", crossing("NEW1", event_id="x-2",
                                                           at=T0 + 2 * DEFAULT_HORIZON))],
                            now=NOW)
    store.set(HITS_PREFIX + "vehicle:old", old)
    store.set(HITS_PREFIX + "vehicle:new", new)
    lane = stage._lane(0, 0.0)
    lane.engine.advance(T0 + 2 * DEFAULT_HORIZON)
    stage._sweep(lane, 30.0)  # too soon after the lane started
    assert store.get(HITS_PREFIX + "vehicle:old") is not None
    stage._sweep(lane, 61.0)
    assert store.get(HITS_PREFIX + "vehicle:old") is None
    assert store.get(HITS_PREFIX + "vehicle:new") == new


def test_a_sweep_looks_at_a_slice_of_the_states_per_batch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A sweep walks the lane's states a slice per batch (a few hundred thousand at once held
    the event loop for seconds), each once per sweep interval, until it has seen them all."""
    from prometheus_client import CollectorRegistry

    import stream_apps.correlate as correlate
    from rules.engine import InMemoryStore
    from rules.loader import load_catalogue
    from stream_apps.correlate import HITS_PREFIX, CorrelationStage
    from stream_apps.metrics import WorkerMetrics
    from stream_apps.rule_runtime import RuleRuntime

    monkeypatch.setattr(correlate, "SWEEP_SLICE", 2)
    store = InMemoryStore()
    stage = CorrelationStage(
        runtime=RuleRuntime(load_catalogue(CATALOGUE), "test", dt.timedelta(seconds=0)),
        seed=_no_entries, metrics=WorkerMetrics(CollectorRegistry()), clock=lambda: NOW,
        store_for=lambda partition: store, partitions=1, sweep_every=60,
        monotonic=lambda: 0.0)
    for i in range(5):
        old, _ = combine_recent(None, [_hit("rule-a", crossing(f"OLD{i}", event_id=f"x-{i}",
                                                                at=T0))], now=NOW)
        store.set(f"{HITS_PREFIX}vehicle:old{i}", old)
    lane = stage._lane(0, 0.0)
    lane.engine.advance(T0 + 2 * DEFAULT_HORIZON)

    def left() -> int:
        return sum(1 for k in store.keys() if k.startswith(HITS_PREFIX))  # noqa: SIM118

    states = len(list(store.keys()))
    stage._sweep(lane, 61.0)
    assert left() >= 3  # at most two looked at
    calls = 1
    while lane.to_sweep:  # the same sweep goes on, batch after batch, before the interval
        stage._sweep(lane, 61.0 + calls)
        calls += 1
    assert left() == 0
    assert calls == -(-states // 2)
    stage._sweep(lane, 90.0)  # all seen: the next sweep waits for its interval
    assert not lane.to_sweep
    assert not lane.to_sweep


def test_state_carried_in_memory_gives_what_state_read_back_from_json_gives() -> None:
    """The state carries its parsed hits (``StoredHits``) between batches; a worker that read
    it back from the changelog (plain JSON) must issue the same leads and keep the same state,
    across revisions, a replayed hit and a hit past the horizon."""
    batches = [[_hit("rule-a", crossing(event_id="x-1", at=T0))],
               [_hit("rule-b", crossing(event_id="x-2", at=T0 + HOUR)),
                _hit("rule-c", crossing(event_id="x-3", at=T0 + 2 * HOUR))],
               [_hit("rule-a", crossing(event_id="x-1", at=T0))],  # replayed
               [_hit("rule-d", crossing(event_id="x-4", at=T0 + 3 * HOUR))],
               [_hit("rule-e", crossing(event_id="x-9", at=T0 + 30 * HOUR))],
               [_hit("rule-f", crossing(event_id="x-10", at=T0 + 31 * HOUR))]]
    carried = read_back = None
    for batch in batches:
        carried, leads = combine_recent(carried, batch, now=NOW)
        read_back, expected = combine_recent(read_back, batch, now=NOW)
        read_back = json.loads(json.dumps(read_back))
        assert leads == expected
        assert json.loads(json.dumps(carried)) == read_back


def test_a_hit_is_stored_as_the_json_its_type_reads_back() -> None:
    """``finding_json`` writes the evidence from the events' shared JSON (``event_json``), not
    by dumping it again: the result is exactly the finding's full JSON form, and reads back
    as the same finding."""
    from pydantic import TypeAdapter

    from leads.recent_hits import finding_json
    from rules.engine.windows import event_json

    adapter = TypeAdapter(Finding)
    events = (crossing(event_id="x-1", at=T0), crossing(event_id="x-2", at=T0 + HOUR))
    hit = dataclasses.replace(_hit("rule-a", events[0]), evidence=events)
    stored = finding_json(hit)
    assert stored == adapter.dump_python(hit, mode="json")
    assert list(stored) == list(adapter.dump_python(hit, mode="json"))  # field order too
    assert stored["evidence"][1] is event_json(events[1])  # shared, not copied
    assert adapter.validate_python(json.loads(json.dumps(stored))) == hit


async def _no_entries() -> list[object]:
    return []
