"""Lint: each check, triggered by a small rule, with file and line; and a clean catalogue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from rules.language import EventFilter, SequenceRule
from rules.lint import LintProblem, lint
from rules.loader import RuleSet

FIXTURES = Path(__file__).parent / "rule_fixtures"

HEADER = """\
id: r1
version: 1
kind: match
title: A test rule
description: A rule written by a unit test.
category: crossings
base_score: 10
owner: CBP-OFO
"""  # the rule body starts on line 9


def lint_rule(tmp_path: Path, body: str, *, aliases: str = "plate: [entities.vehicle.plate]\n",
              header: str = HEADER) -> list[LintProblem]:
    (tmp_path / "crossings").mkdir()
    (tmp_path / "aliases.yaml").write_text(aliases, encoding="utf-8")
    (tmp_path / "crossings" / "r1.yaml").write_text(header + body, encoding="utf-8")
    return lint(tmp_path)


def codes(problems: list[LintProblem]) -> list[tuple[int, str]]:
    return [(p.line, p.code) for p in problems]


def test_the_clean_catalogue_has_no_problems() -> None:
    assert lint(FIXTURES / "good") == []


def test_schema_problems_come_back_as_lint_problems() -> None:
    problems = lint([FIXTURES / "bad"])
    assert {p.code for p in problems} == {"schema"}
    assert (2, "schema") in codes(problems)


@pytest.mark.parametrize(("field", "code"), [
    ("boats.name", "bad-path"),
    ("entities.boat.name", "bad-path"),
    ("no_such_alias", "unknown-field"),
])
def test_fields_must_compile(tmp_path: Path, field: str, code: str) -> None:
    problems = lint_rule(tmp_path, (
        "when:\n"
        "  feed: poe-crossings\n"
        "  where:\n"
        f"    all: [{{field: {field}, exists: true}}]\n"))
    assert codes(problems) == [(12, code)]
    assert problems[0].rule_id == "r1"
    assert str(problems[0]).startswith(f"{tmp_path}/crossings/r1.yaml:12: {code}: ")


def test_alias_targets_must_exist(tmp_path: Path) -> None:
    problems = lint_rule(tmp_path, "when: {feed: tips}\n",
                         aliases="plate: [entities.vehicle.plate]\nboat: [vessels.name]\n")
    assert [(p.file.name, p.line, p.code) for p in problems] == [("aliases.yaml", 2, "bad-path")]


def test_attributes_must_exist_on_every_feed_of_the_clause(tmp_path: Path) -> None:
    problems = lint_rule(tmp_path, (
        "when:\n"
        "  feed: [seizures, poe-crossings]\n"
        "  where: {field: attributes.commodity, eq: fentanyl}\n"))
    assert codes(problems) == [(11, "unknown-attribute")]
    assert "feed poe-crossings has no attribute 'commodity'" in problems[0].message


@pytest.mark.parametrize(("where", "bad"), [
    ("{field: attributes.direction, eq: E}", "'E'"),
    ("{field: attributes.lane, in: [general, truck]}", "'truck'"),
])
def test_closed_attribute_values_must_be_possible(tmp_path: Path, where: str, bad: str) -> None:
    problems = lint_rule(tmp_path, f"when:\n  feed: poe-crossings\n  where: {where}\n")
    assert codes(problems) == [(11, "impossible-value")]
    assert f"is never {bad} on feed poe-crossings" in problems[0].message


def test_enum_attributes_and_aliases_are_checked_too(tmp_path: Path) -> None:
    problems = lint_rule(tmp_path, (
        "when:\n"
        "  feed: [seizures, lpr-reads]\n"
        "  where:\n"
        "    any:\n"
        "      - {field: attributes.commodity, eq: gold}\n"
        "      - {field: travel, eq: E}\n"),
        aliases="travel: [attributes.direction]\n")
    found = [(p.line, p.code, p.message.split(" (")[0]) for p in problems]
    assert (13, "impossible-value", "attributes.commodity is never 'gold' on feed seizures") \
        in found
    assert (14, "impossible-value", "attributes.direction is never 'E' on feed seizures") in found
    assert (13, "unknown-attribute") in [(line, code) for line, code, _ in found]
    assert not any("lpr-reads" in p.message and p.code == "impossible-value" for p in problems)


def test_event_types_must_be_carried_by_the_feed(tmp_path: Path) -> None:
    problems = lint_rule(tmp_path, "when: {feed: lpr-reads, type: [lpr.read, lpr.hit]}\n")
    assert codes(problems) == [(9, "unknown-type")]
    assert "'lpr.hit'" in problems[0].message


def test_counts_above_ten_thousand_are_impossible(tmp_path: Path) -> None:
    header = HEADER.replace("kind: match", "kind: threshold")
    problems = lint_rule(tmp_path, (
        "when: {feed: seizures}\n"
        "group_by: {kind: person}\n"
        "window: 1d\n"
        "count: 20000\n"), header=header)
    assert codes(problems) == [(12, "count-too-high")]


def test_spans_shorter_than_a_second_are_impossible() -> None:
    rule = SequenceRule(
        id="too-quick", version=1, kind="sequence", title="Too quick",
        description="Two steps half a second apart.", category="crossings", base_score=1,
        owner="EPIC", on={"kind": "vehicle"}, within=dt.timedelta(milliseconds=500),
        steps=[EventFilter(feed="lpr-reads"), EventFilter(feed="poe-crossings")])
    problems = lint(RuleSet(rules=(rule,), aliases={}, sources={}, digest=""))
    assert [(p.file, p.code) for p in problems] == [(Path("<memory>"), "span-too-short")]


def test_rule_files_follow_the_catalogue_layout(tmp_path: Path) -> None:
    problems = lint_rule(tmp_path, "when: {feed: tips}\n",
                         header=HEADER.replace("category: crossings", "category: tips"))
    assert codes(problems) == [(1, "file-layout")]
    assert "belongs in <catalogue>/tips/r1.yaml" in problems[0].message


@pytest.mark.parametrize("where", [
    "{field: attributes.religion, exists: true}",
    "{field: 'entities.person[church-member].name', exists: true}",
    "{field: attributes.text, regex: '(?i)mosque|synagogue'}",
    "{field: attributes.text, eq: Political Party}",
    "{field: attributes.channel, in: [web, party affiliation]}",
    "{field: belief, exists: true}",
])
def test_28_cfr_23_20b_refuses_religious_and_political_criteria(tmp_path: Path,
                                                                where: str) -> None:
    problems = lint_rule(tmp_path, f"when:\n  feed: tips\n  where: {where}\n",
                         aliases="belief: [attributes.ideology]\n")
    cfr = [p for p in problems if p.code == "cfr-28-23.20b" and p.file.name == "r1.yaml"]
    assert [(p.line, p.severity) for p in cfr] == [(11, "error")]
    assert "28 CFR 23.20(b)" in cfr[0].message


def test_28_cfr_aliases_are_refused_where_they_are_defined(tmp_path: Path) -> None:
    problems = lint_rule(tmp_path, "when: {feed: tips}\n",
                         aliases="faith_group: [attributes.text]\n")
    assert [(p.file.name, p.line, p.code, p.severity) for p in problems] == [
        ("aliases.yaml", 1, "cfr-28-23.20b", "error")]


def test_28_cfr_words_in_title_or_description_are_a_warning(tmp_path: Path) -> None:
    header = HEADER.replace("A test rule", "Tips about a temple")
    problems = lint_rule(tmp_path, "when: {feed: tips}\n", header=header)
    assert [(p.line, p.code, p.severity) for p in problems] == [
        (4, "cfr-28-23.20b", "warning")]
    assert str(problems[0]).endswith("28 CFR 23.20(b) forbids collecting or keeping "
                                     "intelligence on political, religious or social views, "
                                     "associations or activities unless they directly relate "
                                     "to criminal conduct")
    assert ": cfr-28-23.20b: warning: title " in str(problems[0])

