"""Watchlist (BOLO) entries and the rule "a watchlisted vehicle crosses at a port" (pure).

Event time decides: an entry matches a crossing when it was listed at or before the crossing
and had not expired by then. So the order in which the two arrive within a batch does not
change the result, and a replay gives the same leads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from pydantic import BaseModel, ConfigDict

from fusion.contract import (
    Agency,
    EventEnvelope,
    PoeCrossingAttributes,
    ScoreContribution,
    Vehicle,
    WatchlistAttributes,
)
from fusion.resolution.keys import entity_keys
from fusion.resolution.plates import normalise_plate
from rules.findings import Finding, RuleRef

WATCHLIST_VEHICLE_CROSSING = RuleRef(
    rule_id="watchlist-vehicle-crossing",
    version=1,
    title="Watchlisted vehicle at a port of entry",
    category="watchlist",
    base_score=55,
)
PORT_RUNNER_POINTS = 20.0
_DIRECTION = {"N": "northbound", "S": "southbound"}


class WatchlistEntry(BaseModel):
    """One active entry, as kept in the watchlist store under each of ``keys``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entry_id: str
    listed_by: Agency
    keys: tuple[str, ...]
    reason: str
    listed_at: dt.datetime
    expires_at: dt.datetime | None
    source: EventEnvelope

    @property
    def store_id(self) -> str:
        """Entry ids are unique per listing agency."""
        return f"{self.listed_by.value}/{self.entry_id}"

    def active_at(self, when: dt.datetime) -> bool:
        return self.listed_at <= when and (self.expires_at is None or when < self.expires_at)


def entry_from_event(event: EventEnvelope, attributes: WatchlistAttributes) -> WatchlistEntry:
    """The entry a ``watchlist.entry`` event describes (add or remove)."""
    (entity,) = event.entities
    return WatchlistEntry(
        entry_id=attributes.entry_id,
        listed_by=event.agency,
        keys=entity_keys(entity),
        reason=attributes.reason,
        listed_at=event.occurred_at,
        expires_at=attributes.expires_at,
        source=event,
    )


def crossing_vehicle_keys(event: EventEnvelope) -> list[str]:
    """The keys to look up in the watchlist for a crossing's vehicles."""
    return [key for e in event.entities if isinstance(e, Vehicle) for key in entity_keys(e)]


def match_crossing(
    event: EventEnvelope,
    attributes: PoeCrossingAttributes,
    entries_by_key: Mapping[str, Sequence[WatchlistEntry]],
) -> list[Finding]:
    """One finding per active watchlist entry naming one of the crossing's vehicles."""
    findings: dict[str, Finding] = {}
    for vehicle in (e for e in event.entities if isinstance(e, Vehicle)):
        for key in entity_keys(vehicle):
            for entry in entries_by_key.get(key, ()):
                if entry.store_id not in findings and entry.active_at(event.occurred_at):
                    findings[entry.store_id] = _finding(event, attributes, vehicle, entry)
    return list(findings.values())


def _finding(
    event: EventEnvelope,
    attributes: PoeCrossingAttributes,
    vehicle: Vehicle,
    entry: WatchlistEntry,
) -> Finding:
    plate = f"{vehicle.plate_region} {normalise_plate(vehicle.plate)}"
    port = event.location.port.value if event.location and event.location.port else "a port"
    direction = _DIRECTION[attributes.direction]
    listed = entry.source.entities[0]
    listed_plate = (
        f"{listed.plate_region} {normalise_plate(listed.plate)}"
        if isinstance(listed, Vehicle) else plate
    )
    why = f" ({entry.reason})" if entry.reason else ""
    extra: tuple[ScoreContribution, ...] = ()
    if attributes.outcome == "port-runner":
        extra = (ScoreContribution(source="crossing:port-runner", points=PORT_RUNNER_POINTS,
                                   reason="the vehicle ran the port"),)
    return Finding(
        rule=WATCHLIST_VEHICLE_CROSSING,
        explanation=(
            f"Vehicle {plate} crossing {direction} at {port} matches {entry.listed_by.value} "
            f"watchlist entry {entry.entry_id} for {listed_plate}{why}, listed "
            f"{entry.listed_at.isoformat()}."
        ),
        title=f"Watchlisted vehicle {plate} crossed {direction} at {port}",
        summary=(
            f"{event.agency.value} recorded vehicle {plate} crossing {direction} at {port} "
            f"({attributes.lane} lane, outcome {attributes.outcome}) at "
            f"{event.occurred_at.isoformat()}. It is on the {entry.listed_by.value} watchlist"
            f"{why}."
        ),
        # the vehicle's strongest key (as the rules group it): the hit combines with the
        # vehicle's other hits, and a lead of this hit alone has build_lead's id
        anchors=(event.key, entity_keys(vehicle)[0], f"watchlist:{entry.store_id}"),
        evidence=(event, entry.source),
        entities=tuple(event.entities),
        location=event.location,
        extra=extra,
    )
