"""The pure parts of the issue-13 benches around the arithmetic: latency per rule kind, lead
sets compared between live arrival and a backlog replay, lag per stage input, the metrics
page and /proc read from outside, the horizon of the memory soak, the corridor's tail, the
peer's virtualenv reused, and the result files with PASS/FAIL (no broker)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from bench.backlog_drain import compare_leads, final_hits
from bench.corridor_feed import TAIL_MARGIN, due, slots, with_tail
from bench.lag import lag_by_input
from bench.latency import (
    IMMEDIATE,
    STATEFUL,
    kind_class,
    latencies_by,
    latency_targets,
    rule_kinds,
)
from bench.measures import Target
from bench.memory import (
    TrackedKeys,
    after,
    distinct_keys,
    horizon,
    longest_window,
    write_memory_result,
)
from bench.peer_venv import peer_python
from bench.recovery import recovery_seconds
from bench.report_files import Table, write_result
from bench.summary import newest, rows
from bench.worker_process import batches_by_stage, parse_page, rss_bytes, summed
from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_TOPIC,
    Agency,
    EvidenceRef,
    Handling,
    Lead,
    Priority,
    RuleHit,
    Tlp,
)
from leads.deliveries import Delivery
from producers.scenario import CorridorScenario
from producers.scenario.evaluation import Outcome
from tests.factories import crossing, grading

T0 = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)


def _outcome(rule_id: str, latency: float | None) -> Outcome:
    return Outcome(pattern_id="p", rule_id=rule_id, events=[], found=latency is not None,
                   lead_ids=[], received_by=[], missed_recipients=[],
                   latency_seconds=latency, near_leads=[], late_events=[],
                   uncorrelated_events=[])


def test_every_catalogue_rule_and_the_watchlist_rule_have_a_kind() -> None:
    kinds = rule_kinds()
    assert kinds["watchlist-vehicle-crossing"] == "watchlist"
    assert kinds["port-runner"] == "match"
    assert {"match", "threshold", "sequence", "absence", "corroboration", "link"} <= set(
        kinds.values())
    assert kind_class("watchlist") == kind_class("match") == IMMEDIATE
    assert {kind_class(k) for k in ("threshold", "absence", "link")} == {STATEFUL}


def test_latencies_are_grouped_by_kind_and_class_and_judged_per_class() -> None:
    kinds = {"m": "match", "w": "watchlist", "s": "sequence", "a": "absence"}
    outcomes = [_outcome("m", 0.2), _outcome("w", 0.4), _outcome("s", 5.5),
                _outcome("a", None)]
    assert latencies_by(outcomes, kinds, by_class=False) == {
        "absence": [None], "match": [0.2], "sequence": [5.5], "watchlist": [0.4]}
    classes = latencies_by(outcomes, kinds, by_class=True)
    assert classes == {IMMEDIATE: [0.2, 0.4], STATEFUL: [5.5, None]}
    immediate, stateful = latency_targets(classes, idle_after=5)
    assert immediate.passed
    assert immediate.value == 0.4
    assert not stateful.passed  # the absence's lead never came
    assert stateful.limit == 6
    assert "1 without a lead" in stateful.note


def _delivery(letter: str, revision: int, rules: list[str]) -> Delivery:
    hits = [RuleHit(rule_id=r, rule_version=1, title=r, explanation=r) for r in rules]
    lead = Lead(
        lead_id="L-" + letter * 32, revision=revision, generated_at=T0, first_event_at=T0,
        last_event_at=T0, priority=Priority.ROUTINE, score=0, category="probe", title="t",
        summary="s", contributions=[], rule_hits=hits, entities=[], grading=grading("F6"),
        handling=Handling(tlp=Tlp.GREEN, releasable_to=[]),
        evidence=[EvidenceRef(agency=Agency.EPIC, feed="watchlist", event_id="e",
                              type="probe.probe", occurred_at=T0, grading=grading("F6"))])
    return Delivery(lead, Agency.HSI, T0)


def test_a_lead_counts_with_the_rule_hits_of_its_highest_revision() -> None:
    hits = final_hits([_delivery("a", 2, ["r1", "r2"]), _delivery("a", 1, ["r1"]),
                       _delivery("b", 1, ["r3"])])
    assert hits == {"L-" + "a" * 32: frozenset({"r1", "r2"}),
                    "L-" + "b" * 32: frozenset({"r3"})}


def test_live_and_replayed_leads_are_compared_by_id_and_rule_hits() -> None:
    live = {"L1": frozenset({"r1"}), "L2": frozenset({"r2"}), "L3": frozenset({"r3"})}
    same = compare_leads(live, dict(live))
    assert same.differences == 0
    diff = compare_leads(live, {"L1": frozenset({"r1"}), "L3": frozenset({"r3", "r4"}),
                                "L9": frozenset({"r9"})})
    assert diff.only_live == {"L2": ["r2"]}
    assert diff.only_backlog == {"L9": ["r9"]}
    assert diff.other_hits == {"L3": {"live": ["r3"], "backlog": ["r3", "r4"]}}
    assert diff.differences == 3


class _TP:
    def __init__(self, topic: str, partition: int) -> None:
        self.topic, self.partition = topic, partition

    def __hash__(self) -> int:
        return hash((self.topic, self.partition))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _TP) and (self.topic, self.partition) == (
            other.topic, other.partition)


def test_lag_is_summed_per_stage_input_and_an_uncommitted_partition_counts_whole() -> None:
    feed0, feed1 = _TP("feeds.cbp-ofo.poe-crossings", 0), _TP("feeds.hsi.tips", 0)
    events, leads, dlq = _TP(CORRELATION_TOPIC, 2), _TP(CANDIDATE_LEADS_TOPIC, 0), _TP(
        "feeds.dlq", 0)
    ends = {feed0: 100, feed1: 40, events: 70, leads: 5, dlq: 9}
    committed = {feed0: 90, events: 70, leads: 7}
    starts = {feed1: 10}
    assert lag_by_input(ends, committed, starts) == {
        "feeds": 10 + 30, CORRELATION_TOPIC: 0, CANDIDATE_LEADS_TOPIC: 0}


def test_the_metrics_page_is_read_per_sample_and_per_stage() -> None:
    page = "\n".join([
        "# HELP fusion_batch_records Records per handled batch.",
        'fusion_batch_records_count{stage="intake"} 12.0',
        'fusion_batch_records_count{stage="correlate"} 3.0',
        'fusion_batch_records_sum{stage="intake"} 4000.0',
        'fusion_late_events_total{feed="tips"} 2.0',
        'fusion_late_events_total{feed="lpr-reads"} 5.0',
        "garbage line",
    ])
    samples = parse_page(page)
    assert batches_by_stage(samples) == {"intake": 12, "correlate": 3}
    assert summed(samples, "fusion_late_events_total") == 7
    assert summed(samples, "fusion_events_correlated_total") == 0


def test_rss_of_this_process_is_read_from_proc_and_none_for_a_gone_one() -> None:
    rss = rss_bytes(os.getpid())
    assert rss is None or rss > 10 * 2**20
    assert rss_bytes(2**22 + 12345) is None


def test_recovery_is_the_later_stage_and_unknown_when_a_stage_never_ran() -> None:
    assert recovery_seconds({"metrics": 2.0, "intake": 4.5, "correlate": 12.25}) == 12.25
    assert recovery_seconds({"metrics": 2.0, "intake": 4.5, "correlate": None}) is None


def test_the_soak_horizon_is_the_longest_window_plus_combining_and_lateness() -> None:
    assert longest_window() == dt.timedelta(days=30)
    assert horizon(dt.timedelta(minutes=10)) == dt.timedelta(days=31, minutes=10)
    samples = [(5.0, 100.0, 10), (10.0, 900.0, 20), (15.0, 1500.0, 21)]
    assert after(samples, 900) == [20, 21]


def test_distinct_keys_grow_with_fresh_entities_only() -> None:
    seen: set[str] = set()
    one = crossing("ABC123", at=T0)
    first = distinct_keys([one, one], seen)
    assert first >= 1
    assert distinct_keys([one], seen) == first
    assert distinct_keys([crossing("XYZ987", at=T0)], seen) > first


def test_the_tail_closes_every_expected_finding_in_event_time() -> None:
    scenario = CorridorScenario(4, start=T0)
    items = list(scenario.items(5000))
    latest_due = due(items)
    assert latest_due is not None
    everything, tail = with_tail(scenario, items)
    assert tail > 0
    assert everything[:len(items)] == items
    assert everything[-1].event.occurred_at >= latest_due + TAIL_MARGIN
    assert not any(item.completes for item in everything[len(items):])


def test_paced_batches_are_a_tenth_of_a_second_of_the_rate() -> None:
    assert slots(1000) == (100, 0.1)
    assert slots(5) == (1, 0.2)


def test_the_peer_venv_is_reused_when_its_marker_names_the_requirement(
        tmp_path: Path) -> None:
    folder = tmp_path / "quixstreams-3.28.1"
    (folder / "bin").mkdir(parents=True)
    (folder / "bin" / "python").write_text("")
    (folder / ".installed").write_text("quixstreams==3.28.1\n")
    assert peer_python("quixstreams==3.28.1", root=tmp_path) == folder / "bin" / "python"


def test_a_result_is_written_as_json_and_markdown_with_its_verdicts(tmp_path: Path) -> None:
    targets = [Target("through correlation ÷ bare", 0.05, 0.30, ">=", "%"),
               Target("p99 latency", 0.4, 1.0, "<=", "s")]
    path = write_result("demo", title="Demo", summary="One run.", targets=targets,
                        tables=[Table("Runs", ["run", "events/s"], [["bare", 18412.0]])],
                        data={"events": 10}, results=tmp_path)
    report = json.loads(path.read_text())
    assert report["benchmark"] == "demo"
    assert report["passed"] is False
    assert [t["passed"] for t in report["targets"]] == [False, True]
    assert report["events"] == 10
    text = path.with_suffix(".md").read_text()
    assert "| through correlation ÷ bare | 5.0% | >= 30.0% | **FAIL** |" in text
    assert "| p99 latency | 0.4 s | <= 1 s | **PASS** |" in text
    assert "| bare | 18,412 |" in text


def test_the_summary_takes_each_benchs_newest_result_and_reads_old_ones_too(
        tmp_path: Path) -> None:
    def put(name: str, at: str, **fields: object) -> None:
        (tmp_path / f"{name}-{at}.json").write_text(json.dumps(
            {"benchmark": name, "at": at, **fields}))

    target = Target("p99", 0.4, 1.0, "<=", "s").to_json()
    put("latency", "2026-12-03T10:00:00+00:00", targets=[{**target, "value": 9.0,
                                                         "passed": False}])
    put("latency", "2026-12-03T11:00:00+00:00", targets=[target])
    put("stage-scaling", "2026-12-02T23:23:27+00:00", ratio=0.724, passed=True)
    found = newest(tmp_path)
    assert found["latency"]["at"].startswith("2026-12-03T11")
    assert rows(found) == [
        ["latency", "2026-12-03T11:00:00+00:00", "p99", "0.4 s", "<= 1 s", "PASS"],
        ["stage-scaling", "2026-12-02T23:23:27+00:00",
         "1,000-rule ÷ 10-rule throughput through the stage", "72.4%", ">= 70.0%", "PASS"]]
    assert set(newest(tmp_path, since="2026-12-03")) == {"latency"}


def test_the_reference_replay_counts_only_keys_that_hold_rule_state() -> None:
    tracked = TrackedKeys()
    scenario = CorridorScenario(6, start=T0, per_hour=2_000)  # an hour: past the lateness
    events = [item.event for item in scenario.items(2000)]
    seen: set[str] = set()
    with_state = tracked.add(events)
    published = distinct_keys(events, seen)
    assert 0 < with_state < published
    assert tracked.add([]) == with_state


def test_the_memory_result_judges_the_slope_and_the_spread_past_the_horizon(
        tmp_path: Path) -> None:
    args = argparse.Namespace(key_steps=2, soak_events=4000, ahead=500)
    keys = {"points": [(0, 0, 100 * 2**20), (1000, 3000, 110 * 2**20),
                       (2000, 6000, 111 * 2**20)],
            "bytes_per_key": 1100.0, "bytes_per_group_key": 370.0,
            "event_time_span_hours": 0.5, "events": 2000, "late": 0}
    soak = {"samples": [(5.0, 1000.0, 200), (10.0, 3000.0, 300), (15.0, 4000.0, 320)],
            "horizon_index": 2500, "stopped": None, "published": 4000, "late": 3,
            "horizon_hours": 744.2, "seconds": 15.0}
    report = json.loads(write_memory_result(args, keys, soak, results=tmp_path).read_text())
    per_key, flat = report["targets"]
    assert per_key["passed"]
    assert per_key["value"] == 1100
    assert flat["value"] == pytest.approx(20 / 300)
    assert flat["passed"]
    text = next(tmp_path.glob("memory-*.md")).read_text()
    assert "| 2,000 | 6,000 | 111 |" in text
    soak["stopped"] = "RSS passed 8000 MiB"
    report = json.loads(write_memory_result(args, keys, soak, results=tmp_path).read_text())
    assert not report["targets"][1]["passed"]
