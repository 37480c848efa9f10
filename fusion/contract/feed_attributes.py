"""The ``attributes`` of each feed's events: one frozen model per feed, unknown keys refused.

What an event is *about* travels as entities (vehicles, people, containers, firearms...); the
attributes say what happened to them. ``FEEDS`` in ``feeds.py`` ties each model to its feed.

Bounds: identifiers are visible ASCII of at most 64 characters; free text is at most 500
characters (a watchlist reason, an apprehension's circumstances: a sentence or two) or 2,000
(a tip as received: a few paragraphs, a few KB), may break lines and holds no other control
character (``fusion.contract.text``); counts stop at 10,000 (the largest groups apprehended
at once, and a sensor's activations in one alert, are in the hundreds).
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

from fusion.contract.entities import Iso3166Alpha3, ShortText, Upper
from fusion.contract.text import Printable

NorthSouth = Literal["N", "S"]
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]
CorridorSegment = Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,39}$")]
IataAirport = Annotated[str, Upper, StringConstraints(pattern=r"^[A-Z]{3}$")]
Text500 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
                    Printable(line_breaks=True)]
Text2000 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000),
                     Printable(line_breaks=True)]
Reason = Annotated[str, StringConstraints(max_length=500), Printable(line_breaks=True)]
MAX_COUNT = 10_000


class FeedAttributes(BaseModel):
    """Base of every feed's attributes model: frozen, unknown keys refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class PoeCrossingAttributes(FeedAttributes):
    """A conveyance or person crossing at a port of entry."""

    direction: NorthSouth
    lane: Literal["general", "sentri", "commercial", "pedestrian"]
    outcome: Literal["admitted", "secondary", "refused", "port-runner"]


class WatchlistAttributes(FeedAttributes):
    """A BOLO / watchlist entry about the event's single entity."""

    entry_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    action: Literal["add", "remove"]
    reason: Reason = ""
    expires_at: AwareDatetime | None = None


class LprReadAttributes(FeedAttributes):
    """One plate-reader read of the event's single vehicle, at the event's coordinates."""

    camera_id: Identifier = Field(description="The reader's id within the publishing agency.")
    direction: Literal["N", "S", "E", "W"] = Field(description="Travel direction of the vehicle.")
    read_confidence: float = Field(ge=0, le=1, description="The reader's OCR confidence, 0 to 1.")


class Commodity(StrEnum):
    """What a seizure seized."""

    FENTANYL = "fentanyl"
    METHAMPHETAMINE = "methamphetamine"
    COCAINE = "cocaine"
    HEROIN = "heroin"
    MARIJUANA = "marijuana"
    CURRENCY = "currency"
    FIREARMS = "firearms"
    AMMUNITION = "ammunition"
    OTHER = "other"


class Concealment(StrEnum):
    """Where the seized goods were hidden."""

    GAS_TANK = "gas-tank"
    SPARE_TIRE = "spare-tire"
    DOOR_PANEL = "door-panel"
    DASHBOARD = "dashboard"
    ROOF = "roof"
    FLOOR_COMPARTMENT = "floor-compartment"
    COMMERCIAL_LOAD = "commercial-load"
    BODY_CARRY = "body-carry"
    TUNNEL = "tunnel"
    OTHER = "other"


SeizureUnit = Literal["kg", "g", "lb", "units", "usd", "mxn", "cad", "rounds"]
_MONEY_UNITS = frozenset({"usd", "mxn", "cad"})


class SeizureAttributes(FeedAttributes):
    """One seized commodity; the conveyance and people involved travel as entities."""

    commodity: Commodity = Field(description="What was seized.")
    quantity: float = Field(gt=0, allow_inf_nan=False, description="How much, in `unit`.")
    unit: SeizureUnit = Field(
        description="Unit of `quantity`; usd, mxn and cad are for currency, and only for it.")
    concealment: Concealment = Field(description="Where it was hidden.")
    direction: NorthSouth | None = Field(
        default=None, description="N (northbound) or S (southbound), when known.")

    @field_validator("unit")
    @classmethod
    def _money_unit_iff_currency(cls, unit: str, info: ValidationInfo) -> str:
        commodity = info.data.get("commodity")
        if commodity is not None and (commodity is Commodity.CURRENCY) != (unit in _MONEY_UNITS):
            raise PydanticCustomError(
                "unit_mismatch", "unit {unit} does not fit commodity {commodity}",
                {"unit": unit, "commodity": commodity.value})
        return unit


class ApprehensionAttributes(FeedAttributes):
    """People apprehended together; those identified travel as person entities."""

    count: int = Field(ge=1, le=MAX_COUNT, description="Number of persons apprehended.")
    circumstances: Text500 = Field(
        description="Short free text: how and where they were encountered.")


class SensorAlertAttributes(FeedAttributes):
    """Activations of an unattended ground sensor."""

    sensor_id: Identifier = Field(description="The sensor's id within the publishing agency.")
    corridor_segment: CorridorSegment = Field(
        description="Corridor segment the sensor watches, e.g. 'AZ-SONORA-07'.")
    kind: Literal["seismic", "magnetic", "infrared", "camera"] = Field(
        description="Sensing technology.")
    count: int = Field(default=1, ge=1, le=MAX_COUNT,
                       description="Activations reported in this alert.")


class FirearmTraceAttributes(FeedAttributes):
    """Result of a firearm trace. The firearm (with its serial) and the purchaser (a person with
    role 'purchaser') travel as entities."""

    dealer: ShortText = Field(
        description="The licensed dealer who first sold the firearm (name or licence number).")
    purchase_date: dt.date = Field(description="Date of the first retail sale.")
    multiple_sale: bool = Field(
        description="True if the purchase was reported as a multiple sale.")
    recovery_country: Iso3166Alpha3 = Field(
        description="ISO 3166-1 alpha-3 country where the firearm was recovered.")


class BulkCashAttributes(FeedAttributes):
    """Currency carried across or towards the border, as reported or interdicted."""

    amount: float = Field(gt=0, allow_inf_nan=False, description="Amount in `currency`.")
    currency: Literal["USD", "MXN", "CAD"] = Field(description="ISO 4217 currency code.")
    direction: NorthSouth = Field(description="N (northbound) or S (southbound).")


class PassengerInfoAttributes(FeedAttributes):
    """Advance passenger information for one passenger (a person entity, with documents)."""

    flight_number: Annotated[
        str, Upper, StringConstraints(pattern=r"^[A-Z0-9]{2}[A-Z]?[0-9]{1,4}[A-Z]?$")
    ] = Field(description="Airline designator and flight number, e.g. 'AM642'.")
    origin: IataAirport = Field(description="IATA code of the departure airport, e.g. 'MEX'.")
    destination: IataAirport = Field(description="IATA code of the arrival airport, e.g. 'ELP'.")
    scheduled_departure: AwareDatetime = Field(description="RFC 3339 with an offset.")

    @field_validator("destination")
    @classmethod
    def _not_the_origin(cls, destination: str, info: ValidationInfo) -> str:
        if destination == info.data.get("origin"):
            raise PydanticCustomError(
                "same_airport", "destination {airport} is also the origin",
                {"airport": destination})
        return destination


class EsealAttributes(FeedAttributes):
    """A cargo e-seal message; the sealed container travels as a container entity. The event
    type repeats the state: ``eseal.<state>``."""

    seal_id: Identifier = Field(description="The e-seal device id.")
    state: Literal["armed", "tamper", "opened", "position"] = Field(
        description="armed at origin, tamper alert, opened, or a position report.")
    route_id: Identifier | None = Field(
        default=None, description="The authorised in-transit route, when one was declared.")


class RailImagingAttributes(FeedAttributes):
    """An anomaly in a rail car's non-intrusive image; the train travels as a conveyance entity
    (mode 'train')."""

    anomaly: Literal["density", "void", "organic", "other"] = Field(
        description="What the image shows that the manifest does not explain.")
    car_id: Annotated[str, Upper, StringConstraints(pattern=r"^[A-Z]{2,4} ?[0-9]{1,6}$")] = Field(
        description="Reporting mark and number of the rail car, e.g. 'TFMX 123456'.")


class TipAttributes(FeedAttributes):
    """A tip from the public or a partner. How far to believe it is the envelope's grading."""

    channel: Literal["hotline", "web", "walk-in", "partner"] = Field(
        description="How the tip came in.")
    text: Text2000 = Field(description="The tip as received.")
