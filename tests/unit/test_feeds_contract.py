"""The contract of every feed: a builder's example passes on its topic, bad attributes are
refused naming the field and the problem, and each feed is published and documented."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Callable
from typing import Any

import pytest

from cli.commands.schemas_cmd import SCHEMAS
from fusion.contract import (
    FEEDS,
    Agency,
    Commodity,
    Concealment,
    Container,
    Conveyance,
    Coordinates,
    Credibility,
    DeadLetterReason,
    Document,
    EventEnvelope,
    Feed,
    Firearm,
    Grading,
    Location,
    Person,
    Port,
    Rejection,
    SourceReliability,
    ValidEvent,
    decode_event,
    feed_topic,
)
from producers.events import (
    apprehension_event,
    bulk_cash_event,
    eseal_event,
    firearm_trace_event,
    lpr_read_event,
    passenger_info_event,
    rail_imaging_event,
    seizure_event,
    sensor_alert_event,
    tip_event,
)
from tests.factories import T0, crossing, listing, vehicle

NOGALES_WASH = Coordinates(lat=31.3322, lon=-110.9381)
EXAMPLES: dict[Feed, Callable[[], EventEnvelope]] = {
    Feed.POE_CROSSINGS: crossing,
    Feed.WATCHLIST: listing,
    Feed.LPR_READS: lambda: lpr_read_event(
        event_id="lpr-1", vehicle=vehicle(), coordinates=Coordinates(lat=31.7619, lon=-106.485),
        occurred_at=T0, camera_id="I10-MM12-EB", direction="E", read_confidence=0.91,
        agency=Agency.TX_DPS),
    Feed.SEIZURES: lambda: seizure_event(
        event_id="sz-1", location=Location(port=Port.US_NOGALES_MARIPOSA), occurred_at=T0,
        commodity=Commodity.FENTANYL, quantity=4.2, unit="kg", concealment=Concealment.GAS_TANK,
        direction="N", entities=[vehicle(), Person(name="GARCIA HERNANDEZ, JOSE LUIS",
                                                   role="driver")]),
    Feed.APPREHENSIONS: lambda: apprehension_event(
        event_id="ap-1", location=Location(coordinates=NOGALES_WASH, corridor="AZ-SONORA"),
        occurred_at=T0, count=7, circumstances="group of seven on foot near the wash",
        persons=[Person(name="Juan Pérez")]),
    Feed.SENSOR_ALERTS: lambda: sensor_alert_event(
        event_id="sa-1", location=Location(coordinates=NOGALES_WASH), occurred_at=T0,
        sensor_id="UGS-0457", corridor_segment="AZ-TOHONO-07", kind="seismic", count=3,
        agency=Agency.TONPD),
    Feed.FIREARM_TRACES: lambda: firearm_trace_event(
        event_id="ft-1", firearm=Firearm(serial="KR123456", make="Colt"), occurred_at=T0,
        dealer="Desert Guns LLC", purchase_date=dt.date(2026, 9, 1), recovery_country="MEX",
        multiple_sale=True, purchaser=Person(name="Linda Smith")),
    Feed.BULK_CASH: lambda: bulk_cash_event(
        event_id="bc-1", location=Location(port=Port.US_LAREDO_WTB), occurred_at=T0,
        amount=48500.0, currency="USD", direction="S", entities=[vehicle()]),
    Feed.PASSENGER_INFO: lambda: passenger_info_event(
        event_id="api-1", passenger=Person(name="María López"), occurred_at=T0,
        flight_number="AM642", origin="MEX", destination="ELP",
        scheduled_departure=T0 + dt.timedelta(hours=6),
        documents=[Document(document_type="passport", number="G12345678",
                            issuing_country="MEX")]),
    Feed.ESEAL_EVENTS: lambda: eseal_event(
        event_id="es-1", container=Container(container_id="CSQU3054383"),
        location=Location(coordinates=NOGALES_WASH), occurred_at=T0, seal_id="ES-99812",
        state="tamper", route_id="MTY-LRD-01", vehicle=vehicle(), agency=Agency.ANAM),
    Feed.RAIL_IMAGING: lambda: rail_imaging_event(
        event_id="ri-1", train_id="KCSM-Q123", location=Location(port=Port.US_LAREDO_WTB),
        occurred_at=T0, car_id="TFMX 123456", anomaly="density"),
    Feed.TIPS: lambda: tip_event(
        event_id="tip-1", occurred_at=T0, channel="web", agency=Agency.EPPD,
        text="white pickup loads boxes at the Ysleta warehouse every Friday night",
        grading=Grading(source=SourceReliability.F, credibility=Credibility.CANNOT_BE_JUDGED)),
}
NEW_FEEDS = [feed for feed in Feed if feed not in (Feed.POE_CROSSINGS, Feed.WATCHLIST)]
DELETE = object()


def _decode(doc: dict[str, Any], feed: Feed) -> ValidEvent | Rejection:
    topic = feed_topic(Agency(doc["agency"]), feed)
    return decode_event(json.dumps(doc).encode(), topic=topic)


def _doc(feed: Feed) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(EXAMPLES[feed]().model_dump_json())
    return result


def test_every_feed_has_a_spec_and_an_example() -> None:
    assert set(FEEDS) == set(Feed) == set(EXAMPLES)
    assert all(spec.feed is feed for feed, spec in FEEDS.items())


@pytest.mark.parametrize("feed", list(Feed))
def test_example_decodes_on_its_topic(feed: Feed) -> None:
    event = EXAMPLES[feed]()
    result = decode_event(event.model_dump_json().encode(),
                          topic=feed_topic(event.agency, event.feed))
    assert isinstance(result, ValidEvent), result
    assert result.envelope == event
    assert isinstance(result.attributes, FEEDS[feed].attributes)


@pytest.mark.parametrize("feed", list(Feed))
def test_example_decodes_for_every_publisher(feed: Feed) -> None:
    for agency in FEEDS[feed].publishers:
        doc = {**_doc(feed), "agency": agency.value}
        assert isinstance(_decode(doc, feed), ValidEvent), agency


@pytest.mark.parametrize("feed", [f for f in Feed if FEEDS[f].publishers != set(Agency)])
def test_an_agency_that_does_not_publish_the_feed_is_refused(feed: Feed) -> None:
    outsider = min(set(Agency) - FEEDS[feed].publishers)
    doc = {**_doc(feed), "agency": outsider.value}
    result = _decode(doc, feed)
    assert isinstance(result, Rejection)
    assert ("agency", "not_a_publisher") in {(e.field, e.problem) for e in result.errors}


INVALID: list[tuple[Feed, str, Any, str]] = [
    (Feed.LPR_READS, "read_confidence", 1.5, "less_than_equal"),
    (Feed.LPR_READS, "direction", "NE", "literal_error"),
    (Feed.LPR_READS, "camera_id", "", "string_pattern_mismatch"),
    (Feed.SEIZURES, "quantity", 0, "greater_than"),
    (Feed.SEIZURES, "unit", "tons", "literal_error"),
    (Feed.SEIZURES, "unit", "usd", "unit_mismatch"),  # fentanyl counted in dollars
    (Feed.SEIZURES, "commodity", "bananas", "enum"),
    (Feed.SEIZURES, "concealment", "glovebox", "enum"),
    (Feed.SEIZURES, "direction", "E", "literal_error"),
    (Feed.APPREHENSIONS, "count", 0, "greater_than_equal"),
    (Feed.APPREHENSIONS, "count", "several", "int_parsing"),
    (Feed.APPREHENSIONS, "circumstances", "   ", "string_too_short"),
    (Feed.SENSOR_ALERTS, "kind", "radar", "literal_error"),
    (Feed.SENSOR_ALERTS, "count", 0, "greater_than_equal"),
    (Feed.SENSOR_ALERTS, "corridor_segment", "az tohono", "string_pattern_mismatch"),
    (Feed.SENSOR_ALERTS, "sensor_id", DELETE, "missing"),
    (Feed.FIREARM_TRACES, "purchase_date", "last week", "date_from_datetime_parsing"),
    (Feed.FIREARM_TRACES, "recovery_country", "Mexico", "string_pattern_mismatch"),
    (Feed.FIREARM_TRACES, "multiple_sale", "maybe", "bool_parsing"),
    (Feed.FIREARM_TRACES, "dealer", DELETE, "missing"),
    (Feed.BULK_CASH, "amount", -100, "greater_than"),
    (Feed.BULK_CASH, "currency", "EUR", "literal_error"),
    (Feed.BULK_CASH, "direction", DELETE, "missing"),
    (Feed.PASSENGER_INFO, "origin", "JF", "string_pattern_mismatch"),
    (Feed.PASSENGER_INFO, "destination", "MEX", "same_airport"),
    (Feed.PASSENGER_INFO, "flight_number", "AM-642", "string_pattern_mismatch"),
    (Feed.PASSENGER_INFO, "scheduled_departure", "2026-11-20T20:00:00", "timezone_aware"),
    (Feed.ESEAL_EVENTS, "state", "lost", "literal_error"),
    (Feed.ESEAL_EVENTS, "seal_id", "", "string_pattern_mismatch"),
    (Feed.ESEAL_EVENTS, "route_id", "route 1", "string_pattern_mismatch"),
    (Feed.RAIL_IMAGING, "anomaly", "x-ray", "literal_error"),
    (Feed.RAIL_IMAGING, "car_id", "123", "string_pattern_mismatch"),
    (Feed.TIPS, "channel", "fax", "literal_error"),
    (Feed.TIPS, "text", "x" * 2001, "string_too_long"),
    (Feed.TIPS, "text", "   ", "string_too_short"),
]


@pytest.mark.parametrize(("feed", "field", "value", "problem"), INVALID)
def test_invalid_attribute_is_refused_naming_field_and_problem(
    feed: Feed, field: str, value: Any, problem: str
) -> None:
    doc = _doc(feed)
    if value is DELETE:
        del doc["attributes"][field]
    else:
        doc["attributes"][field] = value
    result = _decode(doc, feed)
    assert isinstance(result, Rejection)
    assert result.reason is DeadLetterReason.SCHEMA_VIOLATION
    assert (f"attributes.{field}", problem) in {(e.field, e.problem) for e in result.errors}, (
        result.errors)
    assert all(e.message for e in result.errors)


def test_every_new_feed_has_at_least_two_invalid_cases() -> None:
    for feed in NEW_FEEDS:
        assert sum(case[0] is feed for case in INVALID) >= 2, feed


@pytest.mark.parametrize("feed", list(Feed))
def test_unknown_attribute_is_refused(feed: Feed) -> None:
    doc = _doc(feed)
    doc["attributes"]["surprise"] = 1
    result = _decode(doc, feed)
    assert isinstance(result, Rejection)
    assert ("attributes.surprise", "extra_forbidden") in {(e.field, e.problem)
                                                          for e in result.errors}


@pytest.mark.parametrize("feed", [f for f in Feed if FEEDS[f].needs_location])
def test_feed_that_needs_a_location_refuses_an_event_without_one(feed: Feed) -> None:
    result = _decode({**_doc(feed), "location": None}, feed)
    assert isinstance(result, Rejection)
    assert ("location", "missing") in {(e.field, e.problem) for e in result.errors}


def test_a_currency_seizure_is_counted_in_money() -> None:
    doc = _doc(Feed.SEIZURES)
    doc["attributes"].update(commodity="currency", quantity=250000, unit="mxn")
    assert isinstance(_decode(doc, Feed.SEIZURES), ValidEvent)
    doc["attributes"]["unit"] = "kg"
    result = _decode(doc, Feed.SEIZURES)
    assert isinstance(result, Rejection)
    assert result.errors[0].field == "attributes.unit"


@pytest.mark.parametrize("feed", list(Feed))
def test_spec_is_published_typed_and_documented(feed: Feed) -> None:
    spec = FEEDS[feed]
    assert spec.publishers
    assert spec.event_types
    assert all(re.fullmatch(r"[a-z][a-z-]*(\.[a-z][a-z-]*)+", t) for t in spec.event_types)
    assert spec.attributes.model_config.get("extra") == "forbid"
    assert spec.attributes.model_config.get("frozen") is True
    assert SCHEMAS[f"attributes.{feed.value}"] is spec.attributes


@pytest.mark.parametrize("feed", NEW_FEEDS)
def test_new_attribute_fields_are_described(feed: Feed) -> None:
    fields = FEEDS[feed].attributes.model_fields
    assert {name for name, info in fields.items() if not info.description} == set()


def test_builders_give_people_their_role_and_eseals_their_type() -> None:
    trace = EXAMPLES[Feed.FIREARM_TRACES]()
    assert [(e.kind, e.role) for e in trace.entities] == [("firearm", None),
                                                          ("person", "purchaser")]
    passenger = EXAMPLES[Feed.PASSENGER_INFO]()
    assert [(e.kind, e.role) for e in passenger.entities] == [("person", "passenger"),
                                                              ("document", None)]
    seal = EXAMPLES[Feed.ESEAL_EVENTS]()
    assert seal.type == "eseal.tamper"
    assert seal.attributes["state"] == "tamper"
    (train,) = EXAMPLES[Feed.RAIL_IMAGING]().entities
    assert isinstance(train, Conveyance)
    assert (train.mode, train.identifier) == ("train", "KCSM-Q123")
