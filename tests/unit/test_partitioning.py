"""State split over partitions: every group key has one owner, every event goes to each
owner of its keys with exactly one primary share, and N partitioned engines find exactly
what one engine finds over the same stream (the corridor scenario, every catalogue rule)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kafka.partitioner.default import murmur2 as kafka_murmur2

from fusion.contract import EventEnvelope, WatchlistAttributes
from producers.scenario import CorridorScenario
from producers.scenario.corridor import planted_size
from rules.engine import RuleEngine
from rules.engine.compiled import EvalContext
from rules.engine.compiled_rules import CompiledRules
from rules.engine.partitioning import KeyOwner, group_keys, murmur2, partition_of, shares
from rules.findings import Finding
from rules.loader import load_catalogue
from rules.watchlist import WatchlistEntry, entry_from_event
from tests.factories import crossing, listing

CATALOGUE = Path(__file__).resolve().parents[2] / "rules" / "catalogue"
START = dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC)


@given(st.text(min_size=1, max_size=40), st.integers(min_value=1, max_value=64))
def test_a_key_has_one_owner(key: str, partitions: int) -> None:
    owner = partition_of(key, partitions)
    assert 0 <= owner < partitions
    assert [p for p in range(partitions) if KeyOwner(p, partitions)(key)] == [owner]


@given(st.binary(max_size=64))
def test_murmur2_is_kafkas(data: bytes) -> None:
    assert murmur2(data) == kafka_murmur2(data)


def test_partition_of_is_kafkas_default_partitioner() -> None:
    # kafka-python's DefaultPartitioner.partition, for a keyed record on 7 partitions.
    for key in ("vehicle:US-TX:ABC123", "container:MSCU1234565", "a", "CBP-OFO/x-1"):
        assert partition_of(key, 7) == (kafka_murmur2(key.encode()) & 0x7FFFFFFF) % 7
    with pytest.raises(ValueError, match="at least 1"):
        partition_of("a", 0)


def test_an_event_with_no_keyed_entity_is_one_primary_share() -> None:
    event = crossing(event_id="x-1").model_copy(update={"entities": []})
    assert group_keys(event) == []
    [share] = shares(event, 8)
    assert share.primary
    assert share.key == event.key
    assert share.partition == partition_of(event.key, 8)


def test_shares_cover_every_owner_once_with_one_primary() -> None:
    event = crossing("ABC123", event_id="x-2")
    for partitions in (1, 2, 4, 16):
        split = shares(event, partitions)
        assert sum(s.primary for s in split) == 1
        assert split[0].primary
        assert len({s.partition for s in split}) == len(split)
        owners = {partition_of(k, partitions) for k in group_keys(event)}
        assert {s.partition for s in split} == owners


def _corridor(n: int) -> list[EventEnvelope]:
    scenario = CorridorScenario(7, start=START)
    return list(scenario.events(n))


def _run(events: list[EventEnvelope], partitions: int, *, shared: bool = False
         ) -> list[tuple[str, tuple[str, ...]]]:
    """Findings (rule id, evidence keys) of ``partitions`` engines, each fed its shares;
    ``shared``: the engines run on one compiled rule set, as the stream stage's lanes do."""
    ruleset = load_catalogue(CATALOGUE)
    compiled = CompiledRules(ruleset.rules, aliases=ruleset.aliases)
    engines = [RuleEngine(compiled, owns=KeyOwner(p, partitions)) if shared else
               RuleEngine(ruleset.rules, aliases=ruleset.aliases, owns=KeyOwner(p, partitions))
               for p in range(partitions)]
    listed: dict[str, list[WatchlistEntry]] = {}
    findings: list[Finding] = []
    for event in events:
        if event.feed.value == "watchlist":
            entry = entry_from_event(event, WatchlistAttributes.model_validate(event.attributes))
            for key in entry.keys:
                listed.setdefault(key, []).append(entry)
        at = event.occurred_at
        ctx = EvalContext(watchlisted=lambda key, at=at: any(
            e.active_at(at) for e in listed.get(key, ())))
        for share in shares(event, partitions):
            findings += engines[share.partition].process(event, ctx, primary=share.primary).findings
    end = events[-1].occurred_at + dt.timedelta(days=2)
    for engine in engines:
        findings += engine.advance(end)
    return sorted((f.rule.rule_id, tuple(e.key for e in f.evidence)) for f in findings)


@pytest.fixture(scope="module")
def corridor() -> list[EventEnvelope]:
    return _corridor(5000)


@pytest.mark.parametrize("partitions", [2, 4, 7])
def test_partitioned_engines_find_what_one_engine_finds(
        corridor: list[EventEnvelope], partitions: int) -> None:
    one = _run(corridor, 1)
    assert len({rule for rule, _ in one}) >= 15  # the scenario fires most of the catalogue
    split = _run(corridor, partitions)
    assert Counter(split) == Counter(one)
    assert Counter(_run(corridor, partitions, shared=True)) == Counter(one)


@settings(max_examples=8, deadline=None)
@given(st.integers(min_value=2, max_value=9), st.integers(min_value=0, max_value=2**16))
def test_any_split_finds_the_same(partitions: int, seed: int) -> None:
    events = list(CorridorScenario(seed, start=START).events(planted_size() + 200))
    one = _run(events, 1)
    assert one  # the planted patterns fire
    assert Counter(_run(events, partitions)) == Counter(one)


def test_watchlist_entries_go_to_every_partition() -> None:
    """Each partition's engine keeps the whole watchlist in event time (rules.engine.watch)."""
    entry = listing("ABC1234")
    split = shares(entry, 5)
    assert sorted(s.partition for s in split) == [0, 1, 2, 3, 4]
    assert sum(s.primary for s in split) == 1
