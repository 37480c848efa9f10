"""The corridor scenario, checked without Kafka: its events go through the pure rule engine
built from the catalogue, and every planted pattern must fire its rule on its recorded events."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from fusion.contract import EventEnvelope, PoeCrossingAttributes, WatchlistAttributes
from fusion.resolution.keys import entity_keys
from producers.scenario import PLANTERS, CorridorScenario, write_scenario
from rules.engine import RuleEngine
from rules.engine.compiled import EvalContext
from rules.findings import Finding
from rules.loader import load_catalogue
from rules.watchlist import WatchlistEntry, entry_from_event, match_crossing

CATALOGUE = Path(__file__).resolve().parents[2] / "rules" / "catalogue"
START = dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC)
N = 5000


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[EventEnvelope],
                                                                list[dict[str, Any]]]:
    out = tmp_path_factory.mktemp("corridor")
    write_scenario(out, CorridorScenario(7, start=START), N)
    events = [EventEnvelope.model_validate_json(line)
              for line in (out / "events.jsonl").read_text().splitlines()]
    truths = [json.loads(line) for line in (out / "ground-truth.jsonl").read_text().splitlines()]
    return events, truths


def _replay(events: list[EventEnvelope]) -> tuple[list[Finding], list[Finding]]:
    """(catalogue findings, intake watchlist-crossing findings) over the stream in order."""
    ruleset = load_catalogue(CATALOGUE)
    engine = RuleEngine(ruleset.rules, aliases=ruleset.aliases)
    listed: dict[str, list[WatchlistEntry]] = {}
    findings: list[Finding] = []
    intake: list[Finding] = []
    for event in events:
        if event.feed.value == "watchlist":
            entry = entry_from_event(event, WatchlistAttributes.model_validate(event.attributes))
            for key in entry.keys:
                listed.setdefault(key, []).append(entry)
        if event.feed.value == "poe-crossings":
            intake += match_crossing(
                event, PoeCrossingAttributes.model_validate(event.attributes), listed)
        at = event.occurred_at
        ctx = EvalContext(watchlisted=lambda key, at=at: any(
            e.active_at(at) for e in listed.get(key, ())))
        result = engine.process(event, ctx)
        assert not result.late, event.key
        findings += result.findings
    findings += engine.advance(events[-1].occurred_at + dt.timedelta(days=2))
    return findings, intake


def test_every_catalogue_rule_has_a_planter() -> None:
    ruleset = load_catalogue(CATALOGUE)
    planted = {p.rule_id for p in PLANTERS}
    assert {r.id for r in ruleset.rules} <= planted
    for planter in PLANTERS:  # the planters' categories follow the catalogue
        rule = ruleset.rule(planter.rule_id)
        if rule is not None:
            assert rule.category == planter.category, planter.rule_id


def test_every_planted_pattern_fires_its_rule_on_its_events(
        scenario: tuple[list[EventEnvelope], list[dict[str, Any]]]) -> None:
    events, truths = scenario
    assert len(events) == N
    assert {t["rule_id"] for t in truths} >= {r.id for r in load_catalogue(CATALOGUE).rules}
    findings, intake = _replay(events)
    found: list[dict[str, Any]] = []
    missed = []
    for truth in truths:
        pool = intake if truth["engine"] == "intake" else findings
        hits = [f for f in pool if f.rule.rule_id == truth["rule_id"]
                and set(truth["events"]) <= {e.key for e in f.evidence}]
        if not hits:
            missed.append(truth["pattern_id"] + "/" + truth["rule_id"])
            continue
        found.append(truth)
        if truth["group_key"] is not None:
            assert any(truth["group_key"] in f.anchors for f in hits), truth
        # the finding exists by the recorded event time (plus lateness)
        last = max(e.occurred_at for f in hits for e in f.evidence)
        assert last <= dt.datetime.fromisoformat(truth["due_by"]), truth
    recall = len(found) / len(truths)
    print(f"\nplanted records: {len(truths)}, found: {len(found)}, recall {recall:.2f}")
    assert missed == []

    explained = {(t["rule_id"], frozenset(t["events"])) for t in truths}
    other = [f for f in findings
             if not any(rule == f.rule.rule_id and keys <= {e.key for e in f.evidence}
                        for rule, keys in explained)]
    other_intake = [f for f in intake if not any(
        rule == f.rule.rule_id and keys <= {e.key for e in f.evidence}
        for rule, keys in explained)]
    by_rule = Counter(f.rule.rule_id for f in [*other, *other_intake])
    print(f"background findings: {len(other) + len(other_intake)} over {len(events)} events "
          f"{dict(by_rule)}")
    assert len(other) + len(other_intake) < 0.05 * len(events)


def test_ground_truth_records_are_complete(
        scenario: tuple[list[EventEnvelope], list[dict[str, Any]]]) -> None:
    events, truths = scenario
    keys = {e.key for e in events}
    times = {e.key: e.occurred_at for e in events}
    for truth in truths:
        assert set(truth["events"]) | set(truth["context_events"]) <= keys
        last = max(times[k] for k in truth["events"])
        assert dt.datetime.fromisoformat(truth["last_event_at"]) == last
        assert dt.datetime.fromisoformat(truth["due_by"]) >= last + dt.timedelta(minutes=10)
        assert truth["recipients"], truth  # every handling reaches someone among the demo set
        assert not set(truth["recipients"]) & set(truth["withheld"])
    primaries = [t for t in truths if t["primary"]]
    assert len({t["pattern_id"] for t in primaries}) == len(primaries) == len(PLANTERS)


def test_planted_entities_are_not_in_the_background(
        scenario: tuple[list[EventEnvelope], list[dict[str, Any]]]) -> None:
    events, truths = scenario
    planted_events = {k for t in truths for k in (*t["events"], *t["context_events"])}
    subjects = {s for t in truths for s in t["subjects"]}
    for event in events:
        if event.key in planted_events:
            continue
        for entity in event.entities:
            assert not set(entity_keys(entity)) & subjects, (event.key, entity)
