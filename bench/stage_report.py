"""The report of ``bench.stage_scaling``: bench/results/stage-scaling-<time>.json and .md."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"


def _cell(value: object) -> str:
    if isinstance(value, list):
        return ", ".join("n/a" if v is None else str(v) for v in value)
    return "n/a" if value is None else str(value)


def _pairs(ratios: list[float] | None) -> str:
    if not ratios or len(ratios) < 2:
        return ""
    return (" Run by run (each 1,000-rule run against the 10-rule run just before it): "
            + ", ".join(f"{r:.0%}" for r in ratios) + ".")


def write_report(report: dict[str, Any]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"stage-scaling-{report['at'].replace(':', '')}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2) + "\n")
    rows = "\n".join(
        f"| {name} | {r['rules']} | {r['events']} | {r['seconds']} | {r['per_second']} "
        f"| {_cell(r['per_second_runs'])} | {_cell(r['cpu_per_second'])} "
        f"| {_cell(r['cpu_share_runs'])} | {_cell(r['startup_seconds_runs'])} "
        f"| {r['leads']} | {r['late']} ({_cell(r['late_share_runs'])}) |"
        for name, r in report["runs"].items())
    verdict = "PASS" if report["passed"] else "FAIL"
    cpu = ("" if report["cpu_ratio"] is None
           else f" By the worker's CPU time: {report['cpu_ratio']:.1%}.")
    machine = report["machine"]
    text = (f"# Rule scaling {report['label']}, {report['at']}\n\n"
            f"{machine['cpus']} CPUs (load average {', '.join(map(str, machine['load_average']))}"
            f" at the end), Python {machine['python']}, {report['events']} events over every "
            f"feed (seed {report['seed']}), published once before timing; median of "
            f"{report['repeats']} run(s) per set, the sets' runs alternating. Each run is a "
            "fresh `fusion worker`, timed from its first correlated event to the last "
            "(start-up not counted).\n\n"
            "| rule set | rules | events timed | seconds | events/s | events/s per run "
            "| events/s of worker CPU time | worker CPU share per run | start-up s per run "
            "| leads | late shares (share per run) |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
            f"{rows}\n\n"
            f"Through the stage, the 1,000-rule set keeps **{report['ratio']:.1%}** of the "
            f"10-rule set's throughput (target {report['target']:.0%}): **{verdict}**.{cpu}"
            f"{_pairs(report.get('pair_ratios'))}\n\n"
            f"Late shares are of the {report['correlation_shares']} shares the intake writes to "
            "the correlation topic. A late share is counted as correlated but not evaluated "
            "(older than its partition's watermark), so it costs the rules nothing: a large "
            "share would flatter the rates. The intake reports every feed partition with "
            "records still to process, read or not yet (`stream_apps/backlog.py`), and the "
            "watermark waits for them.\n")
    stem.with_suffix(".md").write_text(text)
    print(text)
