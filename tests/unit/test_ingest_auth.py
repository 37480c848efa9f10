"""API keys per agency (the keys file, add, revoke, list, live reload) and the per-record
checks of ingested events."""

from __future__ import annotations

import datetime as dt
import json
import stat
from pathlib import Path

import pytest

from fusion.contract import Agency
from fusion.errors import ConfigurationError
from producers.ingest.auth import KeyRing, LiveKeyRing, redact
from producers.ingest.keys_file import add_key as add_key_at
from producers.ingest.keys_file import hash_key, read_keys_file, revoke_key
from producers.ingest.records import AGENCY_MISMATCH, Refusal, check_document, check_record
from tests.factories import as_json, listing

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


def add_key(path: Path, agency: Agency) -> str:
    return add_key_at(path, agency, now=NOW)


def test_a_new_key_is_stored_only_as_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    key = add_key(path, Agency.HSI)
    text = path.read_text()
    assert key not in text
    assert json.loads(text) == {"HSI": [{"sha256": hash_key(key), "prefix": key[:4],
                                         "added_at": NOW.isoformat()}]}
    assert KeyRing.load(path).agency_for(key) is Agency.HSI
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_keys_of_several_agencies_identify_each(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    hsi, dea, hsi2 = add_key(path, Agency.HSI), add_key(path, Agency.DEA), add_key(path, Agency.HSI)
    ring = KeyRing.load(path)
    assert [ring.agency_for(k) for k in (hsi, dea, hsi2)] == [Agency.HSI, Agency.DEA, Agency.HSI]


@pytest.mark.parametrize("key", ["", "nope", "x" * 43])
def test_an_unknown_key_identifies_nobody(tmp_path: Path, key: str) -> None:
    path = tmp_path / "keys.json"
    add_key(path, Agency.HSI)
    assert KeyRing.load(path).agency_for(key) is None


@pytest.mark.parametrize(("doc", "problem"), [
    ({"NOPE": []}, "not an agency code"),
    ({"HSI": ["plaintext-key"]}, "SHA-256"),
    ([1, 2], "must map agency codes"),
])
def test_a_bad_keys_file_is_refused_with_a_reason(tmp_path: Path, doc: object,
                                                  problem: str) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigurationError, match=problem):
        read_keys_file(path)


def test_a_missing_keys_file_says_how_to_create_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="add-key"):
        KeyRing.load(tmp_path / "absent.json")


def test_redaction_shows_no_more_than_a_prefix() -> None:
    assert redact("abcdefghijkl") == "abcd…(redacted)"
    assert "efgh" not in redact("abcdefghijkl")


def test_a_valid_event_of_the_keys_agency_is_accepted() -> None:
    event = listing("ABC1234", entry_id="A1")
    assert check_document(as_json(event), agency=Agency.HSI) == event


def test_an_event_of_another_agency_is_refused_by_name() -> None:
    doc = as_json(listing("ABC1234", entry_id="A1", agency=Agency.DEA))
    result = check_document(doc, agency=Agency.HSI)
    assert isinstance(result, Refusal)
    assert result.reason == AGENCY_MISMATCH
    assert result.event_id == "wl-A1"
    assert result.errors[0].message == "agency HSI may not publish for DEA"


@pytest.mark.parametrize(("raw", "reason", "field"), [
    (b"{not json", "malformed-json", ""),
    (b"[1, 2]", "not-an-object", ""),
])
def test_bad_records_get_the_streams_reason_codes(raw: bytes, reason: str, field: str) -> None:
    result = check_record(raw, agency=Agency.HSI)
    assert isinstance(result, Refusal)
    assert result.reason == reason
    assert result.errors[0].field == field


def test_a_schema_violation_names_each_field() -> None:
    doc = as_json(listing("ABC1234", entry_id="A1"))
    del doc["grading"]
    doc["type"] = "watchlist.nonsense"
    result = check_document(doc, agency=Agency.HSI)
    assert isinstance(result, Refusal)
    assert result.reason == "schema-violation"
    assert result.event_id == "wl-A1"
    assert {e.field for e in result.errors} == {"grading"}
    doc["grading"] = {"source": "B", "credibility": "2"}
    again = check_document(doc, agency=Agency.HSI)
    assert isinstance(again, Refusal)
    assert [(e.field, e.problem) for e in again.errors] == [("type", "unknown_event_type")]


def test_the_older_file_of_bare_hashes_is_still_read(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"HSI": [hash_key("k" * 43)]}))
    assert KeyRing.load(path).agency_for("k" * 43) is Agency.HSI
    [stored] = read_keys_file(path)
    assert (stored.key_id, stored.prefix) == (hash_key("k" * 43)[:12], None)


@pytest.mark.parametrize("name", ["id", "prefix", "key"])
def test_a_key_is_revoked_by_id_prefix_or_itself(tmp_path: Path, name: str) -> None:
    path = tmp_path / "keys.json"
    doomed, kept, dea = add_key(path, Agency.HSI), add_key(path, Agency.HSI), add_key(
        path, Agency.DEA)
    which = {"id": hash_key(doomed)[:12], "prefix": doomed[:4], "key": doomed}[name]
    gone = revoke_key(path, Agency.HSI, which)
    assert gone.sha256 == hash_key(doomed)
    ring = KeyRing.load(path)
    assert [ring.agency_for(k) for k in (doomed, kept, dea)] == [None, Agency.HSI, Agency.DEA]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_revoking_names_what_it_could_not_find(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    hsi, dea = add_key(path, Agency.HSI), add_key(path, Agency.DEA)
    with pytest.raises(ConfigurationError, match=f"HSI has no key .*{hash_key(hsi)[:12]}"):
        revoke_key(path, Agency.HSI, dea[:4])  # another agency's key is not HSI's to revoke
    with pytest.raises(ConfigurationError, match="HSI has no key"):
        revoke_key(path, Agency.HSI, hsi[:6])  # a prefix is the 4 characters logs show
    assert KeyRing.load(path).agency_for(hsi) is Agency.HSI


def test_an_ambiguous_prefix_is_refused_with_the_key_ids(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    hashes = [hash_key(k) for k in ("abcd-one", "abcd-two")]
    path.write_text(json.dumps({"HSI": [{"sha256": h, "prefix": "abcd"} for h in hashes]}))
    with pytest.raises(ConfigurationError, match=f"2 keys .*{hashes[0][:12]}, {hashes[1][:12]}"):
        revoke_key(path, Agency.HSI, "abcd")
    assert len(read_keys_file(path)) == 2


def test_a_live_ring_follows_the_file_and_keeps_the_last_good_one(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "keys.json"
    first = add_key(path, Agency.HSI)
    now = [0.0]
    ring = LiveKeyRing(path, clock=lambda: now[0])
    second = add_key(path, Agency.CBSA)
    assert [ring.agency_for(k) for k in (first, second)] == [Agency.HSI, Agency.CBSA]
    revoke_key(path, Agency.HSI, first)
    assert ring.agency_for(first) is None
    path.write_text("{not: [valid")
    assert ring.agency_for(second) is Agency.CBSA
    assert "cannot be used, keeping the 1 keys" in caplog.text
    path.write_text("{}")
    assert ring.agency_for(second) is None


def test_a_live_ring_rereads_by_content_when_the_stat_did_not_change(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    key = add_key(path, Agency.HSI)
    now = [0.0]
    ring = LiveKeyRing(path, clock=lambda: now[0], recheck_seconds=2)
    ring._signature = ring._stat()  # as if the rewrite below kept inode, size and times
    original = path.read_text()
    path.write_text(original.replace(hash_key(key), hash_key("x" * 43)))
    ring._signature = ring._stat()
    assert ring.agency_for(key) is Agency.HSI  # not re-read yet: same stat, within 2 s
    now[0] = 2.0
    assert ring.agency_for(key) is None
