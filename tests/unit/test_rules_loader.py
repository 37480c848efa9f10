"""Loading the rule catalogue: good files, problems with file and line, all of them at once."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rules.language import MatchRule, SequenceRule
from rules.loader import load_catalogue, read_rules
from rules.problems import RuleFileError
from rules.yaml_lines import parse_yaml

FIXTURES = Path(__file__).parent / "rule_fixtures"
GOOD = FIXTURES / "good"
BAD = FIXTURES / "bad"

HEADER = """\
id: {id}
version: 1
kind: match
title: A test rule
description: A rule written by a unit test.
category: crossings
base_score: 10
owner: CBP-OFO
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_catalogue_loads_with_aliases_and_sources() -> None:
    ruleset = load_catalogue(GOOD)
    by_id = {rule.id: rule for rule in ruleset.rules}
    assert set(by_id) == {"southbound-watchlisted-vehicle", "lpr-then-southbound-crossing"}
    assert isinstance(by_id["southbound-watchlisted-vehicle"], MatchRule)
    sequence = by_id["lpr-then-southbound-crossing"]
    assert isinstance(sequence, SequenceRule)
    assert sequence.on.kind == "vehicle"  # the key "on" is text, not YAML 1.1's True
    assert ruleset.aliases == {"plate": ("entities.vehicle.plate",),
                               "travel_direction": ("attributes.direction",)}
    path, line = ruleset.sources["southbound-watchlisted-vehicle"]
    assert path == GOOD / "crossings" / "southbound-watchlisted-vehicle.yaml"
    assert line == 1


def test_the_digest_is_stable_and_follows_the_content(tmp_path: Path) -> None:
    first = load_catalogue(GOOD).digest
    assert len(first) == 64
    assert load_catalogue(GOOD).digest == first
    copy = tmp_path / "catalogue"
    shutil.copytree(GOOD, copy)
    assert load_catalogue(copy).digest == first  # where the files are does not matter
    rule = copy / "crossings" / "southbound-watchlisted-vehicle.yaml"
    rule.write_text(rule.read_text().replace("base_score: 60", "base_score: 61"))
    assert load_catalogue(copy).digest != first


def test_bad_files_report_every_problem_with_its_line() -> None:
    with pytest.raises(RuleFileError) as raised:
        load_catalogue(BAD)
    broken = BAD / "crossings" / "broken-rule.yaml"
    window = BAD / "crossings" / "second-copy.yaml"
    assert [str(p) for p in raised.value.problems] == [
        f"{broken}:2: version: Input should be greater than or equal to 1",
        f"{broken}:10: when.feed: Input should be 'poe-crossings', 'watchlist', 'lpr-reads', "
        "'seizures', 'apprehensions', 'sensor-alerts', 'firearm-traces', 'bulk-cash', "
        "'passenger-info', 'eseal-events', 'rail-imaging' or 'tips'",
        f"{broken}:14: when.where.all[0].bogus: Extra inputs are not permitted",
        f"{window}:1: window: Field required",
    ]
    assert "4 problems in rule files" in str(raised.value)


def test_a_missing_key_points_at_its_parent(tmp_path: Path) -> None:
    write(tmp_path / "crossings" / "r1.yaml", HEADER.format(id="r1") + (
        "when:\n"
        "  feed: poe-crossings\n"
        "  where:\n"
        "    any:\n"
        "      - {field: attributes.lane}\n"))
    _, problems = read_rules([tmp_path])
    assert [(p.line, p.message) for p in problems] == [(13, (
        "when.where.any[0]: Value error, field 'attributes.lane' needs an operator: one of "
        "eq, ne, in, not_in, gt, gte, lt, lte, regex, exists"))]


def test_duplicate_rule_ids_name_both_files(tmp_path: Path) -> None:
    rule = HEADER.format(id="same-id") + "when: {feed: tips}\n"
    first = write(tmp_path / "crossings" / "a.yaml", rule)
    second = write(tmp_path / "crossings" / "b.yaml", rule)
    with pytest.raises(RuleFileError) as raised:
        load_catalogue(tmp_path)
    assert [str(p) for p in raised.value.problems] == [
        f"{second}:1: id: rule id 'same-id' is also used by {first}:1"]


def test_syntax_errors_duplicate_keys_and_aliases_are_reported(tmp_path: Path) -> None:
    write(tmp_path / "aliases.yaml", "plate: [entities.vehicle.plate]\nBad-Name: [type]\n")
    write(tmp_path / "x" / "broken.yaml", "id: x\nwhen: [unclosed\n")
    write(tmp_path / "x" / "twice.yaml", HEADER.format(id="twice") + "when: {feed: tips}\n"
          "version: 2\n")
    _, problems = read_rules([tmp_path])
    found = {(p.file.name, p.line, p.message.split(":")[0]) for p in problems}
    assert ("aliases.yaml", 2, "Bad-Name") in found
    assert any(name == "broken.yaml" and line == 3 for name, line, _ in found)
    assert ("twice.yaml", 10, "version") in found


def test_yaml_is_read_with_json_like_scalars() -> None:
    doc = parse_yaml("on: yes\nat: 2026-01-01T10:00:00Z\nflag: true\nlist:\n  - a\n  - b\n")
    assert doc.data == {"on": "yes", "at": "2026-01-01T10:00:00Z", "flag": True,
                        "list": ["a", "b"]}
    assert doc.line(("list", 1)) == 6
    assert doc.locate(("list", "str", 0)) == (("list", 0), 5)
