"""The targets of issue 13 as the newest result of each bench left them: one line per target
with its figure and PASS/FAIL, from bench/results/*.json. ``make bench`` prints it last.

    python -m bench.summary [--since 2026-12-03T16:00]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.report_files import RESULTS, Table, figure

# Results written before the issue-13 benches have no "targets" list: their verdict is read
# from these fields.
LEGACY = {"stage-scaling": ("1,000-rule ÷ 10-rule throughput through the stage", "ratio",
                            ">=", 0.70),
          "rules-scaling": ("1,000-rule ÷ 10-rule throughput, engine alone (not the issue's "
                            "measure)", "ratio", ">=", 0.70)}


def newest(results: Path, since: str | None = None) -> dict[str, dict[str, Any]]:
    """The newest result of each benchmark (by its ``at`` time), optionally not before
    ``since`` (an ISO time prefix)."""
    found: dict[str, dict[str, Any]] = {}
    for path in sorted(results.glob("*.json")):
        try:
            report = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        name, at = report.get("benchmark"), str(report.get("at", ""))
        if not name or (since and at < since):
            continue
        if name not in found or at > found[name]["at"]:
            found[name] = report
    return found


def rows(reports: dict[str, dict[str, Any]]) -> list[list[object]]:
    out: list[list[object]] = []
    for name, report in sorted(reports.items()):
        targets = report.get("targets")
        if targets is None and name in LEGACY:
            label, field, side, limit = LEGACY[name]
            targets = [{"name": label, "value": report.get(field), "limit": limit,
                        "side": side, "unit": "%", "passed": report.get("passed")}]
        for t in targets or ():
            unit = t.get("unit", "")
            out.append([name, report["at"], t["name"], figure(t["value"], unit),
                        f"{t['side']} {figure(t['limit'], unit)}",
                        "PASS" if t["passed"] else "FAIL"])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--since", default=None, help="ignore results older than this")
    parser.add_argument("--results", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    table = Table("Targets of issue 13 (newest result of each bench)",
                  ["bench", "at", "target", "measured", "limit", "verdict"],
                  rows(newest(args.results, args.since)))
    print(table.markdown())
    return 0


if __name__ == "__main__":
    sys.exit(main())
