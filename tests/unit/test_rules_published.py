"""The rule set as published for hot reload: it round-trips, and a tampered record is refused."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from rules.loader import load_catalogue
from rules.published import RuleSetMismatchError, decode_rule_set, encode_rule_set

CATALOGUE = Path(__file__).resolve().parents[2] / "rules" / "catalogue"
NOW = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.UTC)


def test_round_trip_keeps_rules_aliases_and_digest() -> None:
    ruleset = load_catalogue(CATALOGUE)
    decoded, published = decode_rule_set(encode_rule_set(ruleset, now=NOW, source="test"))
    assert decoded.digest == ruleset.digest
    assert decoded.rules == ruleset.rules
    assert decoded.aliases == ruleset.aliases
    assert (published.source, published.published_at) == ("test", NOW)


def test_a_record_whose_rules_were_changed_is_refused() -> None:
    doc = json.loads(encode_rule_set(load_catalogue(CATALOGUE), now=NOW, source="test"))
    doc["rules"][0]["base_score"] = 99
    with pytest.raises(RuleSetMismatchError, match="does not match"):
        decode_rule_set(json.dumps(doc).encode())


def test_a_record_with_an_invalid_rule_is_refused() -> None:
    doc = json.loads(encode_rule_set(load_catalogue(CATALOGUE), now=NOW, source="test"))
    doc["rules"][0]["kind"] = "telepathy"
    with pytest.raises(ValidationError):
        decode_rule_set(json.dumps(doc).encode())
