"""Checks rules beyond their schema (pure): fields that resolve, attributes and values the
feeds can carry, event types that exist, spans and counts that can happen, and 28 CFR
23.20(b) (no criterion on religious or political affiliation).

``lint(ruleset | path | paths)`` returns every problem, each with file, line, rule id, code
and severity; schema problems of files that do not load come back with code ``schema``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from rules.language import (
    AbsenceRule,
    CorroborationRule,
    EventFilter,
    LinkRule,
    MatchRule,
    RuleSpec,
    SequenceRule,
    ThresholdRule,
)
from rules.language.conditions import AllOf, AnyOf, Condition, NoneOf, Predicate
from rules.lint_checks import (
    BUILT_IN_FIELDS,
    attribute_problems,
    cfr_terms,
    compile_problems,
    field_targets,
    type_problems,
    value_problems,
)
from rules.loader import RuleSet, read_rules
from rules.yaml_lines import Loc, YamlDocument

Severity = Literal["error", "warning"]
MIN_SPAN = dt.timedelta(seconds=1)
MAX_COUNT = 10_000
MEMORY = Path("<memory>")


@dataclass(frozen=True, slots=True)
class LintProblem:
    file: Path
    line: int
    rule_id: str
    code: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        warning = "warning: " if self.severity == "warning" else ""
        return f"{self.file}:{self.line}: {self.code}: {warning}{self.message}"


def lint(target: RuleSet | Path | Sequence[Path]) -> list[LintProblem]:
    """Every problem in ``target``: a loaded rule set, or catalogue folders and rule files."""
    if isinstance(target, RuleSet):
        ruleset, problems = target, []
    else:
        ruleset, loaded = read_rules([target] if isinstance(target, Path) else list(target))
        problems = [LintProblem(p.file, p.line, "", "schema", p.message) for p in loaded]
    problems.extend(_lint_aliases(ruleset))
    for rule in ruleset.rules:
        problems.extend(_RuleLinter(rule, ruleset).run())
    return sorted(problems, key=lambda p: (str(p.file), p.line, p.code, p.message))


@dataclass(slots=True)
class _RuleLinter:
    rule: RuleSpec
    ruleset: RuleSet
    problems: list[LintProblem] = field(default_factory=list)

    def run(self) -> list[LintProblem]:
        for loc, clause in _clauses(self.rule):
            self._clause(loc, clause)
        self._spans_and_counts()
        self._words()
        self._layout()
        return self.problems

    def report(self, loc: Loc, found: Sequence[tuple[str, str]],
               severity: Severity = "error") -> None:
        file, _ = self.ruleset.sources.get(self.rule.id, (MEMORY, 1))
        doc = self.ruleset.documents.get(self.rule.id)
        line = doc.locate(loc)[1] if doc is not None else 1
        self.problems.extend(LintProblem(file, line, self.rule.id, code, message, severity)
                             for code, message in found)

    def _clause(self, loc: Loc, clause: EventFilter) -> None:
        feeds = clause.feeds
        self.report((*loc, "type"), type_problems(clause.types or (), feeds))
        if clause.where is None:
            return
        aliases = self.ruleset.aliases
        for leaf_loc, pred in _predicates(clause.where, (*loc, "where")):
            at_field = (*leaf_loc, "field")
            self.report(at_field, compile_problems(pred.field, aliases))
            self.report(at_field, cfr_terms(pred.field, what="field"))
            for path in field_targets(pred.field, aliases):
                if path != pred.field:
                    self.report(at_field, cfr_terms(path, what=f"alias {pred.field!r} reads"))
                self.report(at_field, attribute_problems(path, feeds))
                self.report((*leaf_loc, "eq"), value_problems(
                    path, [pred.eq] if pred.eq is not None else [], feeds))
                self.report((*leaf_loc, "in"), value_problems(path, pred.in_ or [], feeds))
            for key, value in _texts(pred):
                self.report((*leaf_loc, key), cfr_terms(value, what=key))

    def _spans_and_counts(self) -> None:
        rule = self.rule
        if isinstance(rule, SequenceRule | AbsenceRule | LinkRule) and rule.within < MIN_SPAN:
            self.report(("within",), [("span-too-short", (
                f"within {rule.within.total_seconds()}s is shorter than 1 second: events this "
                "close together cannot be told apart"))])
        if isinstance(rule, ThresholdRule):
            if rule.count is not None and rule.count > MAX_COUNT:
                self.report(("count",), [("count-too-high", (
                    f"count {rule.count} is above {MAX_COUNT}: the rule would never fire"))])
            if rule.distinct is not None:
                self.report(("distinct", "at_least"), [("count-too-high", (
                    f"distinct.at_least {rule.distinct.at_least} is above {MAX_COUNT}"))]
                    if rule.distinct.at_least > MAX_COUNT else [])
                name = rule.distinct.field
                self.report(("distinct", "field"), compile_problems(name, self.ruleset.aliases))
                for text in (name, *field_targets(name, self.ruleset.aliases)):
                    self.report(("distinct", "field"), cfr_terms(text, what="distinct field"))

    def _words(self) -> None:
        for role_loc, role in _roles(self.rule):
            self.report(role_loc, cfr_terms(role, what="role"))
        for key in ("title", "description"):
            self.report((key,), cfr_terms(getattr(self.rule, key), what=key), "warning")
        for i, tag in enumerate(self.rule.tags):
            self.report(("tags", i), cfr_terms(tag, what="tag"), "warning")

    def _layout(self) -> None:
        file, _ = self.ruleset.sources.get(self.rule.id, (MEMORY, 1))
        expected = f"{self.rule.category}/{self.rule.id}.yaml"
        if file != MEMORY and not file.as_posix().endswith("/" + expected):
            self.report(("id",), [("file-layout", (
                f"rule {self.rule.id!r} of category {self.rule.category!r} belongs in "
                f"<catalogue>/{expected}, not {file.parent.name}/{file.name}"))])


def _lint_aliases(ruleset: RuleSet) -> list[LintProblem]:
    if ruleset.aliases_source is None:
        return []
    file, doc = ruleset.aliases_source
    out: list[LintProblem] = []
    for name, targets in ruleset.aliases.items():
        found = list(cfr_terms(name, what="alias"))
        if name in BUILT_IN_FIELDS:
            found.append(("alias-shadowed", f"alias {name!r} is never used: {name!r} always "
                          "means the envelope field"))
        out.extend(_alias_problem(file, doc, (name,), f) for f in found)
        for i, target in enumerate(targets):
            target_found = [*compile_problems(target, {}), *cfr_terms(target, what="target")]
            out.extend(_alias_problem(file, doc, (name, i), f) for f in target_found)
    return out


def _alias_problem(file: Path, doc: YamlDocument, loc: Loc,
                   found: tuple[str, str]) -> LintProblem:
    return LintProblem(file, doc.line(loc), "", found[0], found[1])


def _clauses(rule: RuleSpec) -> list[tuple[Loc, EventFilter]]:
    match rule:
        case MatchRule() | ThresholdRule() | CorroborationRule():
            return [(("when",), rule.when)]
        case SequenceRule():
            return [(("steps", i), step) for i, step in enumerate(rule.steps)]
        case AbsenceRule():
            return [(("first",), rule.first), (("then",), rule.then)]
        case LinkRule():
            return [(("left",), rule.left), (("right",), rule.right)]


def _predicates(condition: Condition, loc: Loc) -> Iterator[tuple[Loc, Predicate]]:
    match condition:
        case AllOf():
            for i, child in enumerate(condition.all):
                yield from _predicates(child, (*loc, "all", i))
        case AnyOf():
            for i, child in enumerate(condition.any):
                yield from _predicates(child, (*loc, "any", i))
        case NoneOf():
            yield from _predicates(condition.not_, (*loc, "not"))
        case Predicate():
            yield loc, condition


def _texts(pred: Predicate) -> Iterator[tuple[str, str]]:
    """The text a predicate compares with, by the key it is written under."""
    for key, value in (("eq", pred.eq), ("ne", pred.ne), ("regex", pred.regex)):
        if isinstance(value, str):
            yield key, value
    for key, values in (("in", pred.in_), ("not_in", pred.not_in)):
        yield from ((key, v) for v in values or [] if isinstance(v, str))


def _roles(rule: RuleSpec) -> list[tuple[Loc, str]]:
    roles: list[tuple[Loc, str | None]] = []
    if isinstance(rule, ThresholdRule):
        roles.append((("group_by", "role"), rule.group_by.role))
    elif isinstance(rule, LinkRule):
        roles += [(("left_role",), rule.left_role), (("right_role",), rule.right_role)]
    elif not isinstance(rule, MatchRule):
        roles.append((("on", "role"), rule.on.role))
    return [(loc, role) for loc, role in roles if role is not None]
