"""Runs rule tests (pure): each case of ``<rule-id>.test.yaml`` through a fresh
``RuleEngine`` holding only that rule and the catalogue's aliases.

Events go in the order written, then ``advance(advance_to)`` if given; the findings of the
rule are compared with ``expect`` (see ``rules.finding_match``). A disabled rule is tested
as if enabled: its tests must keep passing before it is switched on.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rules.engine import RuleEngine
from rules.engine.compiled import EvalContext
from rules.engine.engine import DEFAULT_LATENESS
from rules.finding_match import compare_findings
from rules.findings import Finding
from rules.language import RuleSpec
from rules.loader import TEST_SUFFIX, RuleSet, read_rules
from rules.problems import SourceProblem
from rules.rule_test_files import LoadedCase, LoadedTestFile, read_test_file


@dataclass(frozen=True, slots=True)
class CaseResult:
    rule_id: str
    case: str
    file: Path
    line: int
    passed: bool
    messages: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleTestReport:
    """Every case run, and the problems of files that could not be run."""

    results: tuple[CaseResult, ...]
    problems: tuple[SourceProblem, ...]

    @property
    def passed(self) -> int:
        return sum(r.passed for r in self.results)

    @property
    def failed(self) -> int:
        return len(self.results) - self.passed

    @property
    def ok(self) -> bool:
        return self.failed == 0 and not self.problems


def find_test_files(paths: Sequence[Path]) -> list[Path]:
    """``*.test.yaml`` files under folders, given directly, or next to given rule files."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(path.rglob(f"*{TEST_SUFFIX}"))
        elif path.name.endswith(TEST_SUFFIX):
            found.add(path)
        elif (sibling := path.with_name(path.stem + TEST_SUFFIX)).is_file():
            found.add(sibling)
    return sorted(found)


def run_rule_tests(paths: Sequence[Path]) -> RuleTestReport:
    """Load the test files in ``paths`` and the rules they test (the ``<rule-id>.yaml`` next
    to each), and run every case."""
    problems: list[SourceProblem] = []
    loaded = [t for f in find_test_files(paths) if (t := read_test_file(f, problems)) is not None]
    rule_paths = sorted({t.file.with_name(f"{t.rule_id}.yaml") for t in loaded})
    ruleset, rule_problems = read_rules([p for p in rule_paths if p.is_file()])
    problems += rule_problems
    results = [r for test in loaded for r in run_test_file(test, ruleset, problems)]
    return RuleTestReport(results=tuple(results), problems=tuple(problems))


def run_test_file(test: LoadedTestFile, ruleset: RuleSet,
                  problems: list[SourceProblem]) -> list[CaseResult]:
    rule = ruleset.rule(test.rule_id)
    if rule is None:
        problems.append(SourceProblem(test.file, test.line, (
            f"rule: no valid rule {test.rule_id!r}: expected it in "
            f"{test.file.with_name(test.rule_id + '.yaml')}")))
        return []
    results = []
    for case in test.cases:
        messages = run_case(rule, case, aliases=ruleset.aliases)
        results.append(CaseResult(rule_id=rule.id, case=case.name, file=test.file,
                                  line=case.line, passed=not messages,
                                  messages=tuple(messages)))
    return results


def run_case(rule: RuleSpec, case: LoadedCase, *,
             aliases: dict[str, tuple[str, ...]]) -> list[str]:
    """Why ``case`` fails for ``rule``; empty when it passes."""
    engine = RuleEngine([rule.model_copy(update={"enabled": True})], aliases=aliases)
    ctx = EvalContext(watchlisted=case.watchlist.__contains__)
    findings: list[Finding] = []
    late: list[str] = []
    try:
        for event in case.events:
            result = engine.process(event, ctx)
            findings += result.findings
            if result.late:
                late.append(event.event_id)
        if case.advance_to is not None:
            findings += engine.advance(case.advance_to)
        elif rule.kind == "match" and case.events:
            # A match rule that asks watchlisted: fires when the watermark passes its event
            # (rules.engine.watch); let it pass the last one.
            last = max(event.occurred_at for event in case.events)
            findings += engine.advance(last + DEFAULT_LATENESS + dt.timedelta(seconds=1))
    except Exception as exc:  # a case that crashes the engine is a failed case, not a crash
        return [f"the engine raised {type(exc).__name__}: {exc}"]
    messages = compare_findings([f for f in findings if f.rule.rule_id == rule.id],
                                case.expect)
    if messages and late:
        messages.append(f"events {', '.join(late)} were late (older than the watermark: "
                        "the last event seen minus 10 minutes) and not evaluated")
    if messages and case.advance_to is None and rule.kind != "match":
        messages.append(f"a {rule.kind} rule fires once the watermark passes its events: "
                        "add advance_to (after the last event plus 10 minutes)")
    return messages
