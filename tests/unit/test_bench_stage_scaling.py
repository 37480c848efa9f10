"""The pure helpers of bench/stage_scaling.py: the rule sets written as a catalogue folder load
back unchanged, and the worker's counters are read off its metrics page (no broker)."""

from __future__ import annotations

import os
from pathlib import Path

from bench.rule_files import write_catalogue
from bench.rules_scaling import TEMPLATES, base_rules, generated_rules
from bench.stage_scaling import leftover_problem, pair_ratios
from bench.stage_worker import COUNTERS, counter_sums, process_cpu_seconds
from rules.loader import load_catalogue, ruleset_digest


def test_written_rule_set_loads_back_with_the_same_rules_and_aliases(tmp_path: Path) -> None:
    base, aliases = base_rules()
    rules = base + generated_rules(2 * len(TEMPLATES))  # every template, twice
    written = write_catalogue(rules, aliases, tmp_path)
    loaded = load_catalogue(tmp_path)
    assert len(written) == len(rules)
    assert sorted(r.id for r in loaded.rules) == sorted(r.id for r in rules)
    assert loaded.aliases == aliases
    assert {r.id: r for r in loaded.rules} == {r.id: r for r in rules}
    assert loaded.digest == ruleset_digest(rules, aliases)


def test_counters_are_summed_over_their_labels() -> None:
    page = "\n".join([
        "# HELP fusion_events_valid_total Feed events that passed validation.",
        "# TYPE fusion_events_valid_total counter",
        'fusion_events_valid_total{feed="tips"} 3.0',
        'fusion_events_valid_total{feed="seizures"} 4.0',
        'fusion_events_valid_created{feed="tips"} 1.7e+09',
        "fusion_events_correlated_total 6.0",
        'fusion_late_events_total{feed="tips"} 1.0',
    ])
    assert counter_sums(page, COUNTERS) == {"valid": 7.0, "correlated": 6.0, "leads": 0.0,
                                            "late": 1.0, "dead_letters": 0.0}


def test_cpu_time_of_this_process_is_read_or_unknown() -> None:
    seconds = process_cpu_seconds(os.getpid())
    assert seconds is None or seconds > 0


def test_a_stack_with_an_earlier_runs_events_is_refused_naming_the_topics() -> None:
    assert leftover_problem({"feeds.cbp.lpr": 0, "feeds.hsi.tips": 0}) is None
    problem = leftover_problem({"feeds.cbp.lpr": 7, "feeds.hsi.tips": 0, "feeds.a": 1,
                                "feeds.b": 2, "feeds.c": 3})
    assert problem is not None
    assert "13 records" in problem
    assert "feeds.a (1), feeds.b (2), feeds.c (3) and 1 more" in problem
    assert "rm -rf .run/bench" in problem


def test_pair_ratios_set_each_large_run_against_the_small_run_before_it() -> None:
    assert pair_ratios([2000, 1000], [1500, 900]) == [0.75, 0.9]
