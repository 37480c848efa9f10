"""Builders for the events the simulator, the command line and the tests publish."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fusion.contract import (
    SCHEMA_VERSION,
    Agency,
    Country,
    Credibility,
    EventEnvelope,
    Feed,
    Grading,
    Handling,
    Location,
    Person,
    PoeCrossingAttributes,
    Port,
    SourceReliability,
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
