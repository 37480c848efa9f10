"""Accounts: a 0600 file of argon2 hashes, never the password; re-read when it changes."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from dashboard.accounts import Account, AccountsFile, Passwords, Role, new_password
from fusion.contract import Agency
from fusion.errors import ConfigurationError

PASSWORDS = Passwords()


def _account(name: str, password: str, **kw: object) -> Account:
    return Account(username=name, agency=Agency.HSI, role=Role.OFFICER,
                   password_hash=PASSWORDS.hash(password), **kw)  # type: ignore[arg-type]


def test_the_file_holds_an_argon2_hash_readable_by_its_owner_only(tmp_path: Path) -> None:
    accounts = AccountsFile(tmp_path / "accounts.json")
    password = new_password()
    accounts.add(_account("ana", password))
    text = accounts.path.read_text()
    assert stat.S_IMODE(accounts.path.stat().st_mode) == 0o600
    assert password not in text
    assert "$argon2id$" in text
    ana = accounts.get("ana")
    assert PASSWORDS.check(ana, password)
    assert not PASSWORDS.check(ana, password + "x")
    assert not PASSWORDS.check(None, password)  # unknown user: same work, refused
    assert password not in repr(ana)


def test_another_process_writing_the_file_is_seen_at_the_next_look(tmp_path: Path) -> None:
    path = tmp_path / "accounts.json"
    server, cli = AccountsFile(path), AccountsFile(path)
    cli.add(_account("ana", "pw-1"))
    assert server.get("ana") is not None
    cli.remove("ana")
    assert server.get("ana") is None


def test_a_second_account_of_the_same_name_and_a_bad_zone_are_refused(tmp_path: Path) -> None:
    accounts = AccountsFile(tmp_path / "accounts.json")
    accounts.add(_account("ana", "pw"))
    with pytest.raises(ConfigurationError, match="exists already"):
        accounts.add(_account("ana", "pw"))
    with pytest.raises(ValueError, match="unknown time zone"):
        _account("ben", "pw", time_zone="Mars/Olympus")


def test_roles_include_the_ones_below() -> None:
    assert Role.ADMINISTRATOR.at_least(Role.SUPERVISOR)
    assert Role.SUPERVISOR.at_least(Role.OFFICER)
    assert not Role.OFFICER.at_least(Role.SUPERVISOR)
