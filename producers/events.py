"""Builders for the events the simulator, the command line and the tests publish."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Literal

from fusion.contract import (
    SCHEMA_VERSION,
    Agency,
    ApprehensionAttributes,
    BulkCashAttributes,
    Commodity,
    Concealment,
    Container,
    Conveyance,
    Coordinates,
    Country,
    Credibility,
    Document,
    Entity,
    EsealAttributes,
    EventEnvelope,
    Feed,
    FeedAttributes,
    Firearm,
    FirearmTraceAttributes,
    Grading,
    Handling,
    Location,
    LprReadAttributes,
    PassengerInfoAttributes,
    Person,
    PoeCrossingAttributes,
    Port,
    RailImagingAttributes,
    SeizureAttributes,
    SeizureUnit,
    SensorAlertAttributes,
    SourceReliability,
    TipAttributes,
    Tlp,
    Vehicle,
    WatchlistAttributes,
)

DEFAULT_GRADING = Grading(source=SourceReliability.B, credibility=Credibility.PROBABLY_TRUE)
DEFAULT_HANDLING = Handling(tlp=Tlp.GREEN, releasable_to=[Country.USA, Country.MEX])


def crossing_event(
    *,
    event_id: str,
    vehicle: Vehicle,
    port: Port,
    occurred_at: dt.datetime,
    direction: Literal["N", "S"] = "N",
    lane: Literal["general", "sentri", "commercial", "pedestrian"] = "general",
    outcome: Literal["admitted", "secondary", "refused", "port-runner"] = "admitted",
    agency: Agency = Agency.CBP_OFO,
    persons: tuple[Person, ...] = (),
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    return EventEnvelope(
        schema_version=SCHEMA_VERSION,
        event_id=event_id,
        agency=agency,
        feed=Feed.POE_CROSSINGS,
        type="crossing.vehicle",
        occurred_at=occurred_at,
        location=Location(port=port),
        entities=[vehicle, *persons],
        attributes=PoeCrossingAttributes(direction=direction, lane=lane, outcome=outcome)
        .model_dump(mode="json"),
        grading=grading,
        handling=handling,
    )


def watchlist_event(
    *,
    event_id: str,
    entry_id: str,
    vehicle: Vehicle,
    occurred_at: dt.datetime,
    reason: str,
    agency: Agency = Agency.HSI,
    action: Literal["add", "remove"] = "add",
    expires_at: dt.datetime | None = None,
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    attributes = WatchlistAttributes(
        entry_id=entry_id, action=action, reason=reason, expires_at=expires_at)
    return EventEnvelope(
        schema_version=SCHEMA_VERSION,
        event_id=event_id,
        agency=agency,
        feed=Feed.WATCHLIST,
        type="watchlist.entry",
        occurred_at=occurred_at,
        entities=[vehicle],
        attributes=attributes.model_dump(mode="json"),
        grading=grading,
        handling=handling,
    )


def _event(
    *,
    event_id: str,
    agency: Agency,
    feed: Feed,
    type_: str,
    occurred_at: dt.datetime,
    attributes: FeedAttributes,
    location: Location | None = None,
    entities: Sequence[Entity] = (),
    grading: Grading,
    handling: Handling,
) -> EventEnvelope:
    return EventEnvelope(
        schema_version=SCHEMA_VERSION,
        event_id=event_id,
        agency=agency,
        feed=feed,
        type=type_,
        occurred_at=occurred_at,
        location=location,
        entities=list(entities),
        attributes=attributes.model_dump(mode="json"),
        grading=grading,
        handling=handling,
    )


def _in_role(entity: Person, role: str) -> Person:
    return entity if entity.role else entity.model_copy(update={"role": role})


def lpr_read_event(
    *,
    event_id: str,
    vehicle: Vehicle,
    coordinates: Coordinates,
    occurred_at: dt.datetime,
    camera_id: str,
    direction: Literal["N", "S", "E", "W"] = "N",
    read_confidence: float = 0.95,
    corridor: str | None = None,
    agency: Agency = Agency.USBP,
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    return _event(
        event_id=event_id, agency=agency, feed=Feed.LPR_READS, type_="lpr.read",
        occurred_at=occurred_at, location=Location(coordinates=coordinates, corridor=corridor),
        entities=[vehicle],
        attributes=LprReadAttributes(camera_id=camera_id, direction=direction,
                                     read_confidence=read_confidence),
        grading=grading, handling=handling,
    )


def seizure_event(
    *,
    event_id: str,
    location: Location,
    occurred_at: dt.datetime,
    commodity: Commodity,
    quantity: float,
    unit: SeizureUnit,
    concealment: Concealment,
    direction: Literal["N", "S"] | None = None,
    entities: Sequence[Entity] = (),
    agency: Agency = Agency.CBP_OFO,
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    attributes = SeizureAttributes(commodity=commodity, quantity=quantity, unit=unit,
                                   concealment=concealment, direction=direction)
    return _event(
        event_id=event_id, agency=agency, feed=Feed.SEIZURES, type_="seizure.report",
        occurred_at=occurred_at, location=location, entities=entities, attributes=attributes,
        grading=grading, handling=handling,
    )


def apprehension_event(
    *,
    event_id: str,
    location: Location,
    occurred_at: dt.datetime,
    count: int,
    circumstances: str,
    persons: Sequence[Person] = (),
    agency: Agency = Agency.USBP,
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    return _event(
        event_id=event_id, agency=agency, feed=Feed.APPREHENSIONS, type_="apprehension.report",
        occurred_at=occurred_at, location=location, entities=persons,
        attributes=ApprehensionAttributes(count=count, circumstances=circumstances),
        grading=grading, handling=handling,
    )


def sensor_alert_event(
    *,
    event_id: str,
    location: Location,
    occurred_at: dt.datetime,
    sensor_id: str,
    corridor_segment: str,
    kind: Literal["seismic", "magnetic", "infrared", "camera"],
    count: int = 1,
    agency: Agency = Agency.USBP,
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    attributes = SensorAlertAttributes(sensor_id=sensor_id, corridor_segment=corridor_segment,
                                       kind=kind, count=count)
    return _event(
        event_id=event_id, agency=agency, feed=Feed.SENSOR_ALERTS, type_="sensor.alert",
        occurred_at=occurred_at, location=location, attributes=attributes,
        grading=grading, handling=handling,
    )


def firearm_trace_event(
    *,
    event_id: str,
    firearm: Firearm,
    occurred_at: dt.datetime,
    dealer: str,
    purchase_date: dt.date,
    recovery_country: str,
    multiple_sale: bool = False,
    purchaser: Person | None = None,
    agency: Agency = Agency.ATF,
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    """The purchaser, if given without a role, is reported with role ``purchaser``."""
    entities: list[Entity] = [firearm]
    if purchaser is not None:
        entities.append(_in_role(purchaser, "purchaser"))
    attributes = FirearmTraceAttributes(dealer=dealer, purchase_date=purchase_date,
                                        multiple_sale=multiple_sale,
                                        recovery_country=recovery_country)
    return _event(
        event_id=event_id, agency=agency, feed=Feed.FIREARM_TRACES, type_="firearm.trace",
        occurred_at=occurred_at, entities=entities, attributes=attributes,
        grading=grading, handling=handling,
    )


def bulk_cash_event(
    *,
    event_id: str,
    location: Location,
    occurred_at: dt.datetime,
    amount: float,
    currency: Literal["USD", "MXN", "CAD"] = "USD",
    direction: Literal["N", "S"] = "S",
    entities: Sequence[Entity] = (),
    agency: Agency = Agency.CBP_OFO,
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    return _event(
        event_id=event_id, agency=agency, feed=Feed.BULK_CASH, type_="cash.report",
        occurred_at=occurred_at, location=location, entities=entities,
        attributes=BulkCashAttributes(amount=amount, currency=currency, direction=direction),
        grading=grading, handling=handling,
    )


def passenger_info_event(
    *,
    event_id: str,
    passenger: Person,
    occurred_at: dt.datetime,
    flight_number: str,
    origin: str,
    destination: str,
    scheduled_departure: dt.datetime,
    documents: Sequence[Document] = (),
    agency: Agency = Agency.CBP_OFO,
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    """The passenger, if given without a role, is reported with role ``passenger``."""
    attributes = PassengerInfoAttributes(flight_number=flight_number, origin=origin,
                                         destination=destination,
                                         scheduled_departure=scheduled_departure)
    return _event(
        event_id=event_id, agency=agency, feed=Feed.PASSENGER_INFO, type_="api.passenger",
        occurred_at=occurred_at, entities=[_in_role(passenger, "passenger"), *documents],
        attributes=attributes, grading=grading, handling=handling,
    )


def eseal_event(
    *,
    event_id: str,
    container: Container,
    location: Location,
    occurred_at: dt.datetime,
    seal_id: str,
    state: Literal["armed", "tamper", "opened", "position"],
    route_id: str | None = None,
    vehicle: Vehicle | None = None,
    agency: Agency = Agency.CBP_OFO,
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    """The event type follows the state (``eseal.<state>``)."""
    entities: list[Entity] = [container] if vehicle is None else [container, vehicle]
    return _event(
        event_id=event_id, agency=agency, feed=Feed.ESEAL_EVENTS, type_=f"eseal.{state}",
        occurred_at=occurred_at, location=location, entities=entities,
        attributes=EsealAttributes(seal_id=seal_id, state=state, route_id=route_id),
        grading=grading, handling=handling,
    )


def rail_imaging_event(
    *,
    event_id: str,
    train_id: str,
    location: Location,
    occurred_at: dt.datetime,
    car_id: str,
    anomaly: Literal["density", "void", "organic", "other"],
    agency: Agency = Agency.CBP_OFO,
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    return _event(
        event_id=event_id, agency=agency, feed=Feed.RAIL_IMAGING, type_="rail.anomaly",
        occurred_at=occurred_at, location=location,
        entities=[Conveyance(mode="train", identifier=train_id)],
        attributes=RailImagingAttributes(anomaly=anomaly, car_id=car_id),
        grading=grading, handling=handling,
    )


def tip_event(
    *,
    event_id: str,
    occurred_at: dt.datetime,
    text: str,
    channel: Literal["hotline", "web", "walk-in", "partner"] = "hotline",
    location: Location | None = None,
    entities: Sequence[Entity] = (),
    agency: Agency = Agency.HSI,
    grading: Grading = DEFAULT_GRADING,
    handling: Handling = DEFAULT_HANDLING,
) -> EventEnvelope:
    """A tip's reliability is its ``grading``: pass one that says how far to believe it."""
    return _event(
        event_id=event_id, agency=agency, feed=Feed.TIPS, type_="tip.report",
        occurred_at=occurred_at, location=location, entities=entities,
        attributes=TipAttributes(channel=channel, text=text),
        grading=grading, handling=handling,
    )
