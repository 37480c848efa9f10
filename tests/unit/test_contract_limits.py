"""Limits of the wire contract: identifiers refuse control and invisible characters, naming
the field; every list and string has a maximum, and the JSON Schemas say the same."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.contract import (
    Agency,
    Coordinates,
    Country,
    DeadLetterReason,
    EventEnvelope,
    Location,
    Rejection,
    ValidEvent,
    decode_event,
)
from fusion.contract.envelope import MAX_ATTRIBUTES, MAX_ENTITIES, MAX_RELEASABLE_TO
from fusion.contract.text import FREE_TEXT_PATTERN, IDENTIFIER_PATTERN
from producers.events import apprehension_event, tip_event
from tests.factories import T0, as_json, crossing, listing

CROSSINGS = "feeds.cbp-ofo.poe-crossings"
BROKER_RECORD_LIMIT = 1_048_588  # Kafka's default message.max.bytes


def _decode(doc: dict[str, Any], topic: str = CROSSINGS) -> ValidEvent | Rejection:
    return decode_event(json.dumps(doc).encode(), topic=topic)


def _refused(doc: dict[str, Any], topic: str = CROSSINGS) -> list[tuple[str, str]]:
    result = _decode(doc, topic)
    assert isinstance(result, Rejection), doc
    assert result.reason is DeadLetterReason.SCHEMA_VIOLATION
    return [(e.field, e.problem) for e in result.errors]


def _with_person(**person: Any) -> dict[str, Any]:
    doc = as_json(crossing())
    doc["entities"].append({"kind": "person", "name": "Jose Luis Garcia", **person})
    return doc


def _with_entity(entity: dict[str, Any]) -> dict[str, Any]:
    doc = as_json(crossing())
    doc["entities"].append(entity)
    return doc


CONTROL = ["\x00", "\x07", "\x1b", "\x7f", "\x85", "\u200b", "\u202e", "\u2066", "\ufeff",
           "\n", "\t"]


@pytest.mark.parametrize("char", CONTROL)
@pytest.mark.parametrize(("doc", "field"), [
    (lambda c: _with_entity({"kind": "vehicle", "plate": f"AB{c}C123", "plate_region": "US-TX"}),
     "entities.1.plate"),
    (lambda c: _with_person(name=f"Jose{c}Garcia"), "entities.1.name"),
    (lambda c: _with_entity({"kind": "document", "document_type": "passport",
                             "number": f"G1{c}234567", "issuing_country": "MEX"}),
     "entities.1.number"),
    (lambda c: _with_entity({"kind": "firearm", "serial": f"SN{c}1"}), "entities.1.serial"),
    (lambda c: _with_entity({"kind": "conveyance", "mode": "bus", "identifier": f"B{c}7"}),
     "entities.1.identifier"),
    (lambda c: _with_entity({"kind": "vehicle", "plate": "ABC123", "plate_region": "US-TX",
                             "make": f"Fo{c}rd"}), "entities.1.make"),
])
def test_identifiers_and_names_refuse_control_characters(doc: Any, field: str,
                                                         char: str) -> None:
    result = _decode(doc(char))
    assert isinstance(result, Rejection)
    (error,) = result.errors
    assert (error.field, error.problem) == (field, "control_character")
    assert f"U+{ord(char):04X}" in error.message


def test_a_nul_in_a_plate_is_refused_naming_the_plate() -> None:
    doc = as_json(crossing())
    doc["entities"][0]["plate"] = "ABC\x001234"
    assert _refused(doc) == [("entities.0.plate", "control_character")]


@pytest.mark.parametrize("field", ["event_id", "type", "entities.0.vin"])
def test_identifiers_with_patterns_refuse_control_characters_too(field: str) -> None:
    doc = as_json(crossing())
    if field == "entities.0.vin":
        doc["entities"][0]["vin"] = "1HGCM82633A00435\x00"
    else:
        doc[field] = doc[field][:3] + "\x00" + doc[field][3:]
    assert _refused(doc)[0][0] == field


def test_container_ids_take_only_ascii_digits_and_one_space() -> None:
    fullwidth = "MSCU " + "".join(chr(0xFF10 + int(d)) for d in "1234565")
    for cid in ("MSCU\t1234565", "MSCU\n1234565", fullwidth):
        assert _refused(_with_entity({"kind": "container", "container_id": cid}))[0][0] == \
            "entities.1.container_id"
    assert isinstance(_decode(_with_entity({"kind": "container",
                                            "container_id": "MSCU 123456-5"})), ValidEvent)


def test_free_text_keeps_line_breaks_and_refuses_other_control_characters() -> None:
    topic = "feeds.hsi.tips"
    tip = as_json(tip_event(event_id="t-1", agency=Agency.HSI, occurred_at=T0,
                            text="caller saw\n\ta white truck", channel="hotline"))
    assert isinstance(_decode(tip, topic), ValidEvent)
    tip["attributes"]["text"] = "caller saw\x00 a white truck"
    assert _refused(tip, topic) == [("attributes.text", "control_character")]
    entry = as_json(listing(reason="courier\r\nseen twice"))
    assert isinstance(_decode(entry, "feeds.hsi.watchlist"), ValidEvent)


def test_a_10000_entry_releasable_to_is_a_schema_violation_naming_the_field() -> None:
    doc = as_json(crossing())
    doc["handling"]["releasable_to"] = ["USA"] * 10_000
    assert _refused(doc) == [("handling.releasable_to", "too_long")]


def test_releasable_to_may_name_every_country_and_agency_once() -> None:
    doc = as_json(crossing())
    doc["handling"]["releasable_to"] = [*Country, *Agency]
    assert len(doc["handling"]["releasable_to"]) == MAX_RELEASABLE_TO
    assert isinstance(_decode(doc), ValidEvent)


@pytest.mark.parametrize(("field", "value", "problem"), [
    ("entities", [{"kind": "phone", "number": "+52 656 000 0000"}] * (MAX_ENTITIES + 1),
     "too_long"),
    ("type", "crossing." + "v" * 64, "string_too_long"),
    ("attributes", {f"k{i}": 1 for i in range(MAX_ATTRIBUTES + 1)}, "too_long"),
])
def test_envelope_lists_and_strings_have_a_maximum(field: str, value: Any, problem: str) -> None:
    doc = as_json(crossing())
    doc[field] = value
    assert (field, problem) in _refused(doc)


@pytest.mark.parametrize(("feed", "attribute", "value", "problem"), [
    ("feeds.usbp.apprehensions", "count", 10_001, "less_than_equal"),
    ("feeds.hsi.tips", "text", "x" * 2001, "string_too_long"),
    ("feeds.hsi.watchlist", "reason", "x" * 501, "string_too_long"),
])
def test_feed_attributes_have_a_maximum(feed: str, attribute: str, value: Any,
                                        problem: str) -> None:
    docs = {
        "feeds.usbp.apprehensions": lambda: as_json(apprehension_event(
            event_id="a-1", occurred_at=T0, count=3, circumstances="group near the river",
            location=Location(coordinates=Coordinates(lat=31.7, lon=-106.4)))),
        "feeds.hsi.tips": lambda: as_json(tip_event(event_id="t-1", agency=Agency.HSI,
                                                    occurred_at=T0, text="t",
                                                    channel="hotline")),
        "feeds.hsi.watchlist": lambda: as_json(listing()),
    }
    doc = docs[feed]()
    doc["attributes"][attribute] = value
    assert _refused(doc, feed) == [(f"attributes.{attribute}", problem)]


def test_the_largest_valid_event_is_far_below_the_broker_limit() -> None:
    """Every list at its maximum, every string at its longest: what one event can weigh."""
    doc = as_json(crossing())
    person = {"kind": "person", "role": "p" * 40, "name": "N" * 200,
              "date_of_birth": "1980-01-01", "nationality": "MEX"}
    doc["entities"] = [person] * MAX_ENTITIES
    doc["handling"]["releasable_to"] = [*Country, *Agency]
    doc["event_id"] = "E" * 128
    size = len(json.dumps(doc).encode())
    assert isinstance(_decode(doc), ValidEvent)
    assert size < BROKER_RECORD_LIMIT / 20, size


PLATE_CHARS = st.sampled_from("ABCDEFGHJKLMNPRSTUVWXYZ0123456789 -·ÑÜ")
REFUSED = st.sampled_from(["\x00", "\x01", "\x1f", "\x7f", "\x9f", "\u00ad", "\u061c",
                           "\u200b", "\u200f", "\u2028", "\u202a", "\u2066", "\ufeff"])


@given(st.text(PLATE_CHARS, min_size=1, max_size=14))
def test_a_plate_of_printable_characters_is_taken(plate: str) -> None:
    doc = as_json(crossing())
    doc["entities"][0]["plate"] = f"A{plate}1"
    assert isinstance(_decode(doc), ValidEvent)


@given(st.text(PLATE_CHARS, max_size=6), REFUSED, st.text(PLATE_CHARS, max_size=6))
def test_a_plate_with_any_control_character_inside_is_refused(head: str, char: str,
                                                              tail: str) -> None:
    doc = as_json(crossing())
    doc["entities"][0]["plate"] = f"A{head}{char}{tail}1"
    assert _refused(doc) == [("entities.0.plate", "control_character")]


def test_the_json_schemas_carry_the_limits() -> None:
    schema = EventEnvelope.model_json_schema()
    defs = schema["$defs"]
    assert defs["Handling"]["properties"]["releasable_to"]["maxItems"] == MAX_RELEASABLE_TO
    assert schema["properties"]["entities"]["maxItems"] == MAX_ENTITIES
    assert schema["properties"]["attributes"]["maxProperties"] == MAX_ATTRIBUTES
    assert defs["Vehicle"]["properties"]["plate"]["pattern"] == IDENTIFIER_PATTERN
    assert defs["Person"]["properties"]["name"]["pattern"] == IDENTIFIER_PATTERN
    assert defs["Document"]["properties"]["number"]["maxLength"] == 40
    from fusion.contract import TipAttributes
    text = TipAttributes.model_json_schema()["properties"]["text"]
    assert (text["pattern"], text["maxLength"]) == (FREE_TEXT_PATTERN, 2000)
