"""Rule tests: a passing and a failing case through the real engine, problems with lines, and
the ``fusion rules`` commands."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cli.main import main
from rules.testing import find_test_files, run_rule_tests

GOOD = Path(__file__).parent / "rule_fixtures" / "good"
CROSSINGS = GOOD / "crossings"
TEST_FILE = "southbound-watchlisted-vehicle.test.yaml"


@pytest.fixture
def catalogue(tmp_path: Path) -> Path:
    """A copy of the good fixture catalogue a test may edit."""
    copy = tmp_path / "catalogue"
    shutil.copytree(GOOD, copy)
    return copy


def edit_tests(catalogue: Path, old: str, new: str) -> Path:
    path = catalogue / "crossings" / TEST_FILE
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return path


def test_a_passing_match_rule() -> None:
    report = run_rule_tests([GOOD])
    assert report.problems == ()
    assert [(r.case, r.passed, r.messages) for r in report.results] == [
        ("fires when a watchlisted vehicle crosses southbound", True, ()),
        ("stays quiet northbound", True, ()),
    ]
    assert (report.passed, report.failed, report.ok) == (2, 0, True)


def test_a_missing_finding_fails_with_the_count(catalogue: Path) -> None:
    edit_tests(catalogue, "watchlist: [vehicle:US-TX:A8C1234]\n    events:\n      - {event_id: x1",
               "events:\n      - {event_id: x1")
    report = run_rule_tests([catalogue])
    failed = [r for r in report.results if not r.passed]
    assert [r.case for r in failed] == ["fires when a watchlisted vehicle crosses southbound"]
    assert failed[0].messages[0] == "expected 1 finding, got 0"
    assert failed[0].line == 12
    assert (report.passed, report.failed, report.ok) == (1, 1, False)


@pytest.mark.parametrize(("old", "new", "message"), [
    ("key: CBP-OFO/x1", "key: vehicle:US-TX:A8C1234",
     "finding anchors ['CBP-OFO/x1'] lack key vehicle:US-TX:A8C1234"),
    ("evidence: [x1]", "evidence: [x1, x2]", "evidence {x1} != expected {x1, x2}"),
])
def test_a_different_finding_says_what_differs(catalogue: Path, old: str, new: str,
                                               message: str) -> None:
    edit_tests(catalogue, old, new)
    result = run_rule_tests([catalogue]).results[0]
    assert (result.passed, result.messages) == (False, (message,))


def test_an_extra_finding_fails(catalogue: Path) -> None:
    edit_tests(catalogue, "attributes: {direction: N}}\n    expect: []",
               "attributes: {direction: N}}\n    watchlist: [vehicle:US-TX:A8C1234]\n"
               "    expect: []")
    edit_tests(catalogue, "attributes: {direction: N}", "attributes: {direction: S}")
    result = run_rule_tests([catalogue]).results[1]
    assert result.messages == ("expected 0 findings, got 1",
                               "unexpected finding: anchors ['CBP-OFO/x2'], evidence {x2}")


def test_events_that_do_not_validate_are_reported_on_their_line(catalogue: Path) -> None:
    path = edit_tests(catalogue, "direction: N}", "direction: W}")
    edit_tests(catalogue, "grading: {source: B,", "grading: {source: Q,")
    report = run_rule_tests([catalogue])
    assert [str(p) for p in report.problems] == [
        f"{path}:9: cases[0].events[0].grading.source: Input should be 'A', 'B', 'C', 'D', "
        "'E' or 'F'",
        f"{path}:9: cases[1].events[0].grading.source: Input should be 'A', 'B', 'C', 'D', "
        "'E' or 'F'",
    ]
    assert report.results == ()


def test_attributes_are_checked_against_their_feed(catalogue: Path) -> None:
    path = edit_tests(catalogue, "direction: N}", "direction: W}")
    report = run_rule_tests([catalogue])
    assert [str(p) for p in report.problems] == [
        f"{path}:22: cases[1].events[0].attributes.direction: Input should be 'N' or 'S'"]
    assert [r.case for r in report.results] == [
        "fires when a watchlisted vehicle crosses southbound"]
    assert report.ok is False


def test_a_test_file_for_a_missing_rule_is_a_problem(catalogue: Path) -> None:
    path = edit_tests(catalogue, "rule: southbound-watchlisted-vehicle",
                      "rule: no-such-rule")
    report = run_rule_tests([path])
    assert [p.line for p in report.problems] == [1]
    assert "no valid rule 'no-such-rule'" in report.problems[0].message


def test_test_files_are_found_from_folders_and_rule_files() -> None:
    expected = [CROSSINGS / TEST_FILE]
    assert find_test_files([GOOD]) == expected
    assert find_test_files([CROSSINGS / "southbound-watchlisted-vehicle.yaml"]) == expected


def test_fusion_rules_test_prints_pass_fail_and_totals(
        catalogue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "test", str(GOOD)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == ["PASS southbound-watchlisted-vehicle: fires when a watchlisted vehicle "
                   "crosses southbound",
                   "PASS southbound-watchlisted-vehicle: stays quiet northbound",
                   "2 passed, 0 failed"]
    edit_tests(catalogue, "evidence: [x1]", "evidence: [x9]")
    assert main(["rules", "test", str(catalogue)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("FAIL southbound-watchlisted-vehicle: fires when")
    assert out[1].endswith(":12: evidence {x1} != expected {x9}")
    assert out[-1] == "1 passed, 1 failed"


def test_fusion_rules_lint_exits_1_on_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "lint", str(GOOD)]) == 0
    assert capsys.readouterr().out == "0 errors, 0 warnings\n"
    assert main(["rules", "lint", str(GOOD.parent / "bad")]) == 1
    out = capsys.readouterr().out
    assert "broken-rule.yaml:14: schema: when.where.all[0].bogus" in out


def test_fusion_rules_help_shows_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["rules", "--help"], ["rules", "test", "--help"], ["rules", "lint", "--help"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 0
        out = capsys.readouterr().out
        assert "kind: match" in out
        assert "expect:" in out


def test_a_missing_path_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "lint", "no/such/folder"]) == 2
    assert "no such file or folder: no/such/folder" in capsys.readouterr().err
