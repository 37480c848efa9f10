"""The event envelope every agency publishes on ``feeds.<agency>.<feed>``, and the pieces it
shares with leads: location, Admiralty grading and TLP handling.

Every list and string has a maximum (the numbers and their reasons are next to each field),
so one record cannot make the worker hold or forward megabytes: identifiers and names are
printable text (``fusion.contract.text``), and an event stays far below the broker's 1 MB
record limit (``tests/unit/test_contract_limits.py`` builds the largest one).
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    model_validator,
)

from fusion.contract.codes import Agency, Country, Credibility, Feed, SourceReliability, Tlp
from fusion.contract.entities import Entity
from fusion.contract.ports import Port

SCHEMA_VERSION = 1

EventId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")]
EventType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z-]*(\.[a-z][a-z-]*)+$",
                                             max_length=64)]
# Each code at most once is all a release list can say: every known country and agency.
MAX_RELEASABLE_TO = len(Country) + len(Agency)
# A car with driver, passengers and their documents is under 20 entities; a group
# apprehension names at most a few tens of people (the rest is its ``count``); a coach's
# passengers travel as passenger-info events, one each.
MAX_ENTITIES = 64
# The largest feed's attributes have 5 fields; 16 leaves room for optional ones to come.
MAX_ATTRIBUTES = 16


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Coordinates(_Wire):
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)


class Location(_Wire):
    """Where it happened: a port of entry, a point, or both, and the corridor it lies in."""

    port: Port | None = None
    coordinates: Coordinates | None = None
    corridor: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9-]{1,39}$")] | None = None

    @model_validator(mode="after")
    def _port_or_point(self) -> Self:
        if self.port is None and self.coordinates is None:
            raise ValueError("a location needs a port, coordinates, or both")
        return self


class Grading(_Wire):
    """Admiralty (NATO) grading of a report: who said it and how believable it is."""

    source: SourceReliability
    credibility: Credibility

    @property
    def code(self) -> str:
        """The usual two-character form, e.g. ``B2``."""
        return f"{self.source.value}{self.credibility.value}"


class Handling(_Wire):
    """How a record may be shared: a TLP 2.0 label and where it may be released."""

    tlp: Tlp
    releasable_to: list[Country | Agency] = Field(
        max_length=MAX_RELEASABLE_TO,
        description="Countries (ISO alpha-3) and/or agency codes the record may go to; "
        "an empty list releases it to no partner (it stays with the fusion center). At "
        "most as many entries as there are known countries and agencies.",
    )
    fact_releasable_to: list[Country | Agency] = Field(
        default_factory=list, max_length=MAX_RELEASABLE_TO,
        description="Countries and/or agencies beyond releasable_to that may receive the FACT "
        "of a lead built on this record (category, place, priority, times, a point of "
        "contact) but none of its content: evidence, entities, explanations. Read with the "
        "same TLP rule as releasable_to (RED, AMBER+STRICT: named agencies only).",
    )


class EventEnvelope(_Wire):
    """One report from one agency. ``event_id`` is unique within the publishing agency."""

    schema_version: Literal[1]
    event_id: EventId
    agency: Agency
    feed: Feed
    type: EventType
    occurred_at: AwareDatetime = Field(description="RFC 3339 with an offset; event time.")
    location: Location | None = None
    entities: list[Entity] = Field(default_factory=list, max_length=MAX_ENTITIES)
    attributes: dict[str, JsonValue] = Field(
        default_factory=dict, max_length=MAX_ATTRIBUTES,
        description="The feed's own fields (docs/schemas/attributes.<feed>.schema.json).")
    grading: Grading
    handling: Handling

    @property
    def key(self) -> str:
        """Globally unique event reference: ``<AGENCY>/<event_id>``."""
        return f"{self.agency.value}/{self.event_id}"
