"""``fusion rules lint|test``: check the rule catalogue and run its tests (no broker needed);
``backtest`` (``rules_backtest_cmd``) and ``publish`` (``rules_publish``) are registered here."""

from __future__ import annotations

import argparse
import textwrap
from pathlib import Path
from typing import Any

from cli.commands import rules_backtest_cmd, rules_publish
from fusion.errors import ConfigurationError
from rules.lint import lint
from rules.testing import run_rule_tests

DEFAULT_CATALOGUE = Path("rules/catalogue")

EXAMPLES = """\
The catalogue:
  rules/catalogue/aliases.yaml                 alias -> field paths
  rules/catalogue/<category>/<rule-id>.yaml       one rule
  rules/catalogue/<category>/<rule-id>.test.yaml  its tests

A rule (rules/catalogue/crossings/southbound-watchlisted-vehicle.yaml):
  id: southbound-watchlisted-vehicle
  version: 1
  kind: match                 # or threshold, sequence, absence, corroboration, link
  title: Watchlisted vehicle crossing southbound
  description: A vehicle on an active watchlist crosses southbound at a port of entry.
  category: crossings
  base_score: 60
  owner: CBP-OFO
  when:
    feed: poe-crossings
    type: crossing.vehicle
    where:
      all:
        - {field: attributes.direction, eq: S}
        - {watchlisted: vehicle}

Its tests (southbound-watchlisted-vehicle.test.yaml):
  rule: southbound-watchlisted-vehicle
  defaults:                   # deep-merged into every event
    agency: CBP-OFO
    feed: poe-crossings
    type: crossing.vehicle
    location: {port: US-EL-PASO-BOTA}
    entities: [{kind: vehicle, plate: ABC1234, plate_region: US-TX}]
    attributes: {direction: S, lane: general, outcome: admitted}
    grading: {source: B, credibility: "2"}
    handling: {tlp: GREEN, releasable_to: [USA, MEX]}
  cases:
    - name: fires when a watchlisted vehicle crosses southbound
      watchlist: [vehicle:US-TX:A8C1234]      # entity keys on the watchlist
      events:
        - {event_id: x1, occurred_at: "2026-01-01T10:00:00Z"}
      advance_to: "2026-01-01T11:00:00Z"       # optional; stateful kinds need it
      expect:                                  # [] means: no finding
        - {key: CBP-OFO/x1, evidence: [x1]}    # key: one of the anchors
    - name: stays quiet northbound
      events:
        - {event_id: x2, occurred_at: "2026-01-01T10:00:00Z", attributes: {direction: N}}
      expect: []
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "rules", help="lint, test, backtest or hot-reload the rule catalogue",
        description=_wrap("Analysts' tools for the rule catalogue: lint checks rule files "
                          "beyond their schema; test runs their test cases through the rule "
                          "engine; backtest replays the retained feed topics through a "
                          "candidate rule set; publish hot-reloads the catalogue into running "
                          "workers. PATH is the catalogue folder (default rules/catalogue), a "
                          "category folder, or single files."),
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    lint_parser = actions.add_parser(
        "lint", help="schema, fields, feeds, values, spans and 28 CFR 23.20(b)",
        description=_wrap("Report every problem as FILE:LINE: CODE: MESSAGE. Exit 1 if any "
                          "is an error (warnings alone exit 0). Codes: schema, bad-path, "
                          "unknown-field, unknown-attribute, impossible-value, unknown-type, "
                          "span-too-short, count-too-high, file-layout, alias-shadowed, "
                          "cfr-28-23.20b."),
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    test_parser = actions.add_parser(
        "test", help="run the <rule-id>.test.yaml cases",
        description=_wrap("Run each case with a fresh engine holding only the rule under "
                          "test and the catalogue aliases; print PASS/FAIL per case with the "
                          "reasons, then 'N passed, M failed'. Exit 1 on any failure or "
                          "unreadable file."),
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    for sub in (lint_parser, test_parser):
        sub.add_argument("paths", nargs="*", type=Path, metavar="PATH",
                         help=f"default: {DEFAULT_CATALOGUE}")
    lint_parser.set_defaults(handler=run_lint)
    test_parser.set_defaults(handler=run_test)
    rules_backtest_cmd.register(actions)
    rules_publish.register(actions)


def _wrap(text: str) -> str:
    """A description wrapped for the terminal: these parsers keep their epilog's layout
    (RawDescriptionHelpFormatter), which also stops argparse wrapping the description."""
    return textwrap.fill(text, width=88)


def run_lint(args: argparse.Namespace) -> int:
    paths = _existing(args.paths or [DEFAULT_CATALOGUE])
    problems = lint(paths)
    for problem in problems:
        print(problem)
    errors = sum(p.severity == "error" for p in problems)
    print(f"{errors} errors, {len(problems) - errors} warnings")
    return 1 if errors else 0


def run_test(args: argparse.Namespace) -> int:
    report = run_rule_tests(_existing(args.paths or [DEFAULT_CATALOGUE]))
    for problem in report.problems:
        print(f"ERROR {problem}")
    for result in report.results:
        print(f"{'PASS' if result.passed else 'FAIL'} {result.rule_id}: {result.case}")
        for message in result.messages:
            print(f"    {result.file}:{result.line}: {message}")
    errors = f", {len(report.problems)} unreadable" if report.problems else ""
    print(f"{report.passed} passed, {report.failed} failed{errors}")
    return 0 if report.ok else 1


def _existing(paths: list[Path]) -> list[Path]:
    missing = [str(p) for p in paths if not p.exists()]
    if missing:
        raise ConfigurationError(f"no such file or folder: {', '.join(missing)}")
    return paths

