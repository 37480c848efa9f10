"""Validation of feed records: good ones pass, each kind of bad one gets a reason and a field."""

from __future__ import annotations

import json
from typing import Any

import pytest

from fusion.contract import DeadLetterReason, Rejection, ValidEvent, decode_event
from tests.factories import as_json, crossing, listing

TOPIC = "feeds.cbp-ofo.poe-crossings"


def _decode(doc: Any, topic: str = TOPIC) -> ValidEvent | Rejection:
    return decode_event(json.dumps(doc).encode(), topic=topic)


def test_valid_crossing_decodes_with_typed_attributes() -> None:
    result = _decode(as_json(crossing(direction="S")))
    assert isinstance(result, ValidEvent)
    assert result.envelope.agency.value == "CBP-OFO"
    assert result.attributes.model_dump() == {"direction": "S", "lane": "general",
                                              "outcome": "admitted"}


@pytest.mark.parametrize(
    ("raw", "reason", "field", "problem"),
    [
        (b"{not json", DeadLetterReason.MALFORMED_JSON, "", "json_invalid"),
        (b"", DeadLetterReason.MALFORMED_JSON, "", "empty"),
        (b"[1, 2]", DeadLetterReason.NOT_AN_OBJECT, "", "model_type"),
        (b"\xff\xfe", DeadLetterReason.MALFORMED_JSON, "", "json_invalid"),
    ],
)
def test_unparseable_records(
    raw: bytes, reason: DeadLetterReason, field: str, problem: str
) -> None:
    result = decode_event(raw, topic=TOPIC)
    assert isinstance(result, Rejection)
    assert result.reason is reason
    assert (result.errors[0].field, result.errors[0].problem) == (field, problem)


def _mutated(path: str, value: Any = ..., *, delete: bool = False) -> dict[str, Any]:
    doc = as_json(crossing())
    *parents, last = path.split(".")
    target: Any = doc
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    if delete:
        del target[last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return doc


@pytest.mark.parametrize(
    ("doc", "reason", "field", "problem"),
    [
        (_mutated("occurred_at", delete=True), DeadLetterReason.SCHEMA_VIOLATION,
         "occurred_at", "missing"),
        (_mutated("entities.0.plate", 1234), DeadLetterReason.SCHEMA_VIOLATION,
         "entities.0.plate", "string_type"),
        (_mutated("occurred_at", "2026-11-20T14:00:00"), DeadLetterReason.SCHEMA_VIOLATION,
         "occurred_at", "timezone_aware"),
        (_mutated("agency", "XYZ"), DeadLetterReason.UNKNOWN_AGENCY, "agency", "enum"),
        (_mutated("schema_version", 2), DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION,
         "schema_version", "literal_error"),
        (_mutated("grading.source", "Z"), DeadLetterReason.SCHEMA_VIOLATION,
         "grading.source", "enum"),
        (_mutated("handling.tlp", "PURPLE"), DeadLetterReason.SCHEMA_VIOLATION,
         "handling.tlp", "enum"),
        (_mutated("attributes.direction", "E"), DeadLetterReason.SCHEMA_VIOLATION,
         "attributes.direction", "literal_error"),
        (_mutated("attributes.lane", delete=True), DeadLetterReason.SCHEMA_VIOLATION,
         "attributes.lane", "missing"),
        (_mutated("type", "seizure.report"), DeadLetterReason.SCHEMA_VIOLATION,
         "type", "unknown_event_type"),
        (_mutated("location", None), DeadLetterReason.SCHEMA_VIOLATION, "location", "missing"),
        (_mutated("surprise", 1), DeadLetterReason.SCHEMA_VIOLATION, "surprise",
         "extra_forbidden"),
    ],
)
def test_invalid_records_name_field_and_problem(
    doc: dict[str, Any], reason: DeadLetterReason, field: str, problem: str
) -> None:
    result = _decode(doc)
    assert isinstance(result, Rejection)
    assert result.reason is reason
    assert (field, problem) in {(e.field, e.problem) for e in result.errors}, result.errors
    assert all(e.message for e in result.errors)


def test_event_on_another_agencys_topic_is_refused() -> None:
    result = _decode(as_json(crossing()), topic="feeds.anam.poe-crossings")
    assert isinstance(result, Rejection)
    assert result.reason is DeadLetterReason.TOPIC_MISMATCH
    assert "feeds.cbp-ofo.poe-crossings" in result.errors[0].message


def test_agency_that_does_not_publish_the_feed_is_refused() -> None:
    doc = as_json(crossing(agency="HSI"))
    result = _decode(doc, topic="feeds.hsi.poe-crossings")
    assert isinstance(result, Rejection)
    assert ("agency", "not_a_publisher") in {(e.field, e.problem) for e in result.errors}


def test_watchlist_entry_needs_exactly_one_entity() -> None:
    doc = as_json(listing())
    doc["entities"].append(doc["entities"][0])
    result = _decode(doc, topic="feeds.hsi.watchlist")
    assert isinstance(result, Rejection)
    assert result.errors[0].field == "entities"


def test_location_needs_a_port_or_a_point() -> None:
    doc = _mutated("location", {"corridor": "AZ-SONORA"})
    result = _decode(doc)
    assert isinstance(result, Rejection)
    assert result.errors[0].field == "location"
