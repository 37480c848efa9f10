"""API keys per agency and the per-record checks of ingested events."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fusion.contract import Agency
from fusion.errors import ConfigurationError
from producers.ingest.auth import KeyRing, add_key, hash_key, read_keys_file, redact
from producers.ingest.records import AGENCY_MISMATCH, Refusal, check_document, check_record
from tests.factories import as_json, listing


def test_a_new_key_is_stored_only_as_its_hash(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    key = add_key(path, Agency.HSI)
    text = path.read_text()
    assert key not in text
    assert json.loads(text) == {"HSI": [hash_key(key)]}
    assert KeyRing.load(path).agency_for(key) is Agency.HSI


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
