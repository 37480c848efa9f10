"""The `fusion` command line, for the commands that need no broker or Redis."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cli.commands.schemas_cmd import SCHEMAS
from cli.main import main
from fusion.contract import all_topics

ROOT = Path(__file__).parents[2]
SUBCOMMANDS = ["topics", "principals", "schemas", "subscriptions", "publish", "import",
               "ingest", "leads", "rules", "worker", "status", "simulate", "evaluate",
               "dashboard"]
NESTED = [["leads", "list"], ["leads", "tail"], ["rules", "lint"], ["rules", "test"],
          ["rules", "backtest"], ["rules", "publish"], ["ingest", "serve"],
          ["ingest", "add-key"], ["ingest", "revoke-key"], ["ingest", "list-keys"],
          ["principals", "show"], ["principals", "sync"], ["audit", "show"],
          ["dashboard", "serve"], ["dashboard", "add-user"], ["dashboard", "set-password"],
          ["dashboard", "remove-user"], ["dashboard", "list-users"]]


def _exit_code(argv: list[str]) -> int | str | None:
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code


def test_top_level_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: fusion")
    for name in SUBCOMMANDS:
        assert name in out


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_subcommand_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: fusion {command}")
    assert len(out.splitlines()) > 3


@pytest.mark.parametrize("action", ["list", "set", "remove", "seed-demo"])
def test_subscriptions_action_help(action: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["subscriptions", action, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: fusion subscriptions {action}")


@pytest.mark.parametrize("action", ["add", "list", "expire", "history"])
def test_silences_action_help(action: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["silences", action, "--help"]) == 0
    assert capsys.readouterr().out.startswith(f"usage: fusion silences {action}")


@pytest.mark.parametrize(("args", "problem"), [
    (["--agency", "HSI", "--for", "1h"], "needs a rule, category, entity or port matcher"),
    (["--category", "x", "--for", "1h"], "categories.0: String should match pattern"),
    (["--category", "cash", "--ends", "2020-01-01T00:00:00Z"], "ends_at must lie after"),
])
def test_a_silence_is_refused_naming_the_problem_before_any_connection(
        args: list[str], problem: str, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["silences", "add", *args, "--author", "ana", "--comment", "why not"])
    assert code != 0
    err = capsys.readouterr().err
    assert "silence refused" in err
    assert problem in err


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code([]) == 2
    assert "required" in capsys.readouterr().err


def test_topics_list_prints_every_topic(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["topics", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    specs = all_topics()
    assert len(lines) == len(specs)
    listed = {line.split("\t")[0]: line for line in lines}
    assert set(listed) == {s.name for s in specs}
    for spec in specs:
        assert f"partitions={spec.partitions}" in listed[spec.name]
    assert "feeds.cbp-ofo.poe-crossings" in listed
    assert "leads.hsi" in listed


def test_subscriptions_set_unknown_agency(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["subscriptions", "set", "NOPE"]) == 2
    err = capsys.readouterr().err
    assert "unknown agency 'NOPE'" in err
    assert "CBP-OFO" in err  # the known codes are listed


def test_schemas_check_passes_against_the_committed_schemas(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(ROOT)
    assert (ROOT / "docs" / "schemas").is_dir()
    assert main(["schemas", "check"]) == 0
    assert f"{len(SCHEMAS)} schemas are current\n" == capsys.readouterr().out


def test_schemas_check_fails_against_an_empty_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["schemas", "check", "--dir", str(tmp_path)]) == 1
    out = capsys.readouterr().out
    assert "stale schemas" in out
    assert "lead.schema.json" in out


def test_schemas_write_then_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "schemas"
    assert main(["schemas", "write", "--dir", str(target)]) == 0
    assert sorted(p.name for p in target.iterdir()) == sorted(
        p.name for p in (ROOT / "docs" / "schemas").iterdir())
    assert main(["schemas", "check", "--dir", str(target)]) == 0
    (target / "lead.schema.json").write_text("{}\n", encoding="utf-8")
    assert main(["schemas", "check", "--dir", str(target)]) == 1
    assert "stale schemas (run 'fusion schemas write'): lead.schema.json" in capsys.readouterr().out


@pytest.mark.parametrize("argv", [[], *([c] for c in SUBCOMMANDS), *NESTED])
def test_every_help_fits_a_terminal(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code([*argv, "--help"]) == 0
    long = [line for line in capsys.readouterr().out.splitlines() if len(line) > 100]
    assert long == []


def test_the_top_level_help_names_every_rules_action(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["--help"]) == 0
    out = capsys.readouterr().out
    for action in ("lint", "test", "backtest", "publish"):
        assert f"fusion rules {action}" in out or f"|{action}" in out, action


def test_leads_list_and_tail_are_told_apart(capsys: pytest.CaptureFixture[str]) -> None:
    assert _exit_code(["leads", "--help"]) == 0
    out = capsys.readouterr().out
    assert "then exit" in out
    assert "until Ctrl-C" in out
    assert _exit_code(["leads", "list", "--since", "yesterday-ish", "HSI"]) == 2
    assert "neither a time" in capsys.readouterr().err


def test_dashboard_add_user_prints_the_password_once_and_keeps_only_its_hash(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
        ) -> None:
    accounts = tmp_path / "accounts.json"
    monkeypatch.setenv("FUSION_DASHBOARD_ACCOUNTS_FILE", str(accounts))
    assert main(["dashboard", "add-user", "Maria", "--agency", "ANAM", "--language", "es",
                 "--time-zone", "America/Mexico_City"]) == 0
    password = capsys.readouterr().out.strip()
    assert len(password) >= 16
    assert password not in accounts.read_text()
    assert "$argon2id$" in accounts.read_text()
    assert main(["dashboard", "list-users"]) == 0
    assert capsys.readouterr().out.split() == ["maria", "ANAM", "officer", "es",
                                                "America/Mexico_City"]
    assert main(["dashboard", "add-user", "maria", "--agency", "HSI"]) == 2  # exists
    assert main(["dashboard", "add-user", "bob", "--agency", "HSI",
                 "--time-zone", "Mars/Olympus"]) == 2
    assert "Mars/Olympus" in capsys.readouterr().err


def test_a_worker_s_static_member_names_stay_put_across_restarts_and_differ_between_workers(
        tmp_path: Path) -> None:
    from stream_apps.settings import WorkerSettings

    one = WorkerSettings(data_dir=str(tmp_path / "a"), web_port=6066)
    again = WorkerSettings(data_dir=str(tmp_path / "a"), web_port=6066)
    other = WorkerSettings(data_dir=str(tmp_path / "b"), web_port=6067)
    beside = WorkerSettings(data_dir=str(tmp_path / "a"), web_port=6067)  # one folder, 2 ports
    assert one.group_instance("intake") == again.group_instance("intake")
    assert one.group_instance("intake") != other.group_instance("intake")
    assert one.group_instance("intake") != beside.group_instance("intake")
    assert one.group_instance("app") != beside.group_instance("app")
    odd = WorkerSettings(data_dir=str(tmp_path / "a"), worker_instance="w1", web_host="::1")
    assert re.fullmatch(r"[A-Za-z0-9._-]{1,240}", odd.group_instance("app") or "")
    assert WorkerSettings(worker_instance="dynamic").group_instance("intake") is None
