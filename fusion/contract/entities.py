"""Entities an event reports: people, vehicles, conveyances, containers, firearms, documents,
phones. A discriminated union on ``kind``; each may carry the ``role`` it plays in the event.

Every identifier and name is printable text (``fusion.contract.text``: no NUL, no control or
invisible character) of bounded length: a plate is at most 16 characters (the longest
issued plates have 10), a document number 40 (passports have 9, Mexican CURPs 18), names,
makes, models and serials 200.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

from fusion.contract.text import Printable

Iso3166Alpha3 = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]


def _upper(value: object) -> object:
    """Upper-case text before the pattern is checked (``to_upper`` runs after it)."""
    return value.strip().upper() if isinstance(value, str) else value


Upper = BeforeValidator(_upper)
Iso3166Subdivision = Annotated[str, Upper, StringConstraints(pattern=r"^[A-Z]{2}-[A-Z0-9]{1,3}$")]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200),
                      Printable()]
Vin = Annotated[str, Upper, StringConstraints(pattern=r"^[A-HJ-NPR-Z0-9]{17}$")]
Role = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]{0,39}$")]


class _Entity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    role: Role | None = Field(
        default=None, description="What it did in the event: driver, passenger, purchaser..."
    )


class Person(_Entity):
    kind: Literal["person"] = "person"
    name: ShortText = Field(description="The name as the source wrote it, in any order or case.")
    date_of_birth: dt.date | None = None
    nationality: Iso3166Alpha3 | None = None


class Vehicle(_Entity):
    kind: Literal["vehicle"] = "vehicle"
    plate: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16),
                     Printable()]
    plate_region: Iso3166Subdivision = Field(
        description="Issuing state or province as ISO 3166-2, e.g. US-TX, MX-CHH, CA-BC."
    )
    vin: Vin | None = None
    make: ShortText | None = None
    model: ShortText | None = None
    color: ShortText | None = None


class Conveyance(_Entity):
    kind: Literal["conveyance"] = "conveyance"
    mode: Literal["aircraft", "vessel", "train", "bus"]
    identifier: ShortText = Field(description="Flight number, IMO number, train or coach id.")


class Container(_Entity):
    kind: Literal["container"] = "container"
    container_id: Annotated[
        str, Upper, StringConstraints(pattern=r"^[A-Z]{3}[UJZR] ?[0-9]{6}-?[0-9]$")
    ] = Field(description="ISO 6346 owner code, category, serial and check digit.")


class Firearm(_Entity):
    kind: Literal["firearm"] = "firearm"
    serial: ShortText
    make: ShortText | None = None
    model: ShortText | None = None
    caliber: ShortText | None = None


class Document(_Entity):
    kind: Literal["document"] = "document"
    document_type: Literal[
        "passport", "visa", "border-crossing-card", "driver-licence", "national-id", "other"
    ]
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
                      Printable()]
    issuing_country: Iso3166Alpha3


class Phone(_Entity):
    kind: Literal["phone"] = "phone"
    number: Annotated[str, StringConstraints(pattern=r"^\+?[0-9 ()-]{5,24}$")]


Entity = Annotated[
    Person | Vehicle | Conveyance | Container | Firearm | Document | Phone,
    Field(discriminator="kind"),
]

ENTITY_KINDS = frozenset({"person", "vehicle", "conveyance", "container", "firearm", "document",
                          "phone"})
