"""The engine's state layout: held events under their own keys, deadlines summarised, state
from the older single-buffer layout adopted, and restarts from JSON still exact."""

from __future__ import annotations

import datetime as dt
import json

from rules.engine import InMemoryStore, RuleEngine
from rules.engine.buffer import BUCKET_SECONDS, INDEX_KEY, ReorderBuffer
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
    when = read.occurred_at.timestamp()
    minute = int(when // BUCKET_SECONDS)
    assert store.get(INDEX_KEY) == {"minutes": [minute]}
    assert store.get(f"{INDEX_KEY}/{minute}") == {"due": [[when, read.key]]}
    engine.advance(T0 + 2 * MINUTE)
    assert store.get(f"held/{read.key}") is None
    assert store.get(INDEX_KEY) == {"minutes": []}
    assert store.get(f"{INDEX_KEY}/{minute}") is None


def test_holding_writes_only_its_minutes_bucket() -> None:
    """A hold writes the event and its minute's bucket, not an index over every held event
    (under a backlog that index was megabytes, written whole on each hold)."""
    store = InMemoryStore()
    buffer = ReorderBuffer(store)
    for i in range(300):  # five minutes of events, one a second
        buffer.hold(lpr(f"P{i:04d}", at=T0 + dt.timedelta(seconds=i), event_id=f"l-{i}"),
                    (T0 + dt.timedelta(seconds=i)).timestamp(), f"k{i:04d}", [])
    buckets = [k for k in store.snapshot() if k.startswith(f"{INDEX_KEY}/")]
    assert len(buckets) in (5, 6)  # T0 need not start a minute
    assert max(len(store.get(k)["due"]) for k in buckets) <= 60  # type: ignore[index]
    assert len(store.get(INDEX_KEY)["minutes"]) == len(buckets)  # type: ignore[index]


def test_release_is_oldest_first_across_buckets_and_stops_at_the_watermark() -> None:
    store = InMemoryStore()
    buffer = ReorderBuffer(store)
    times = [T0 + dt.timedelta(seconds=s) for s in (250, 5, 130, 61, 59, 130, 200)]
    for i, at in enumerate(times):
        buffer.hold(lpr(f"P{i:04d}", at=at, event_id=f"l-{i}"), at.timestamp(), f"k{i}", [])
    watermark = (T0 + dt.timedelta(seconds=131)).timestamp()
    released = [h.entry["t"] for h in buffer.release(watermark)]
    assert released == sorted(at.timestamp() for at in times if at.timestamp() < watermark)
    rest = [h.entry["t"] for h in buffer.release(float("inf"))]
    assert rest == sorted(at.timestamp() for at in times if at.timestamp() >= watermark)
    assert store.get(INDEX_KEY) == {"minutes": []}


def test_an_index_of_the_single_list_layout_is_bucketed_on_first_use() -> None:
    store = InMemoryStore()
    engine = RuleEngine([_absence()], state=store)
    read = lpr(at=T0)
    engine.process(read)
    when = read.occurred_at.timestamp()
    for key in [k for k in store.snapshot() if k.startswith(f"{INDEX_KEY}/")]:
        store.delete(key)
    store.set(INDEX_KEY, {"due": [[when, read.key]]})  # as an older version wrote it
    released = ReorderBuffer(store).release(when + 1)
    assert [h.event.key for h in released] == [read.key]
    assert store.get(INDEX_KEY) == {"minutes": []}


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
