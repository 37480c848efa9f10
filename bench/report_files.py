"""Writes one bench run's result: ``bench/results/<name>-<UTC time>.json`` (everything
measured) and ``.md`` beside it (what was run, the targets with PASS/FAIL, detail tables), and
prints the Markdown. Used by the benches of issue 13 (intake, latency, backlog, memory,
recovery)."""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measures import Target

RESULTS = Path(__file__).resolve().parents[1] / "bench" / "results"


@dataclass
class Table:
    title: str
    header: Sequence[str]
    rows: Sequence[Sequence[object]] = field(default_factory=list)

    def markdown(self) -> str:
        lines = [f"## {self.title}", "", "| " + " | ".join(self.header) + " |",
                 "| " + " | ".join("---" for _ in self.header) + " |"]
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        return "\n".join(lines)


def cell(value: object) -> str:
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def machine() -> dict[str, Any]:
    return {"cpus": os.cpu_count(), "python": platform.python_version(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


def utc_stamp() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def targets_table(targets: Sequence[Target]) -> Table:
    return Table("Targets", ["target", "measured", "limit", "verdict", "note"],
                 [[t.name, figure(t.value, t.unit), f"{t.side} {figure(t.limit, t.unit)}",
                   "**PASS**" if t.passed else "**FAIL**", t.note] for t in targets])


def figure(value: float | None, unit: str) -> str:
    if value is None:
        return "n/a"
    if unit == "%":
        return f"{value:.1%}"
    text = cell(float(value))
    return f"{text} {unit}".rstrip()


def write_result(name: str, *, title: str, summary: str, targets: Sequence[Target],
                 tables: Sequence[Table], data: dict[str, Any],
                 results: Path = RESULTS) -> Path:
    """Write the run's JSON and Markdown; returns the JSON file."""
    at = utc_stamp()
    report = {"benchmark": name, "at": at, "machine": machine(),
              "targets": [t.to_json() for t in targets],
              "passed": all(t.passed for t in targets), **data}
    results.mkdir(parents=True, exist_ok=True)
    stem = results / f"{name}-{at.replace(':', '')}"
    stem.with_suffix(".json").write_text(json.dumps(report, indent=2, default=str) + "\n")
    m = report["machine"]
    parts = [f"# {title}, {at}", "",
             f"{m['cpus']} CPUs (load average {', '.join(map(str, m['load_average']))} at the "
             f"end), Python {m['python']}. {summary}", ""]
    if targets:
        parts += [targets_table(targets).markdown(), ""]
    for table in tables:
        parts += [table.markdown(), ""]
    text = "\n".join(parts)
    stem.with_suffix(".md").write_text(text)
    print(text)
    print(f"written: {stem.with_suffix('.json')} and .md", file=sys.stderr)
    return stem.with_suffix(".json")
