"""Leads, triage actions and seizure reports for the dashboard's tests."""

from __future__ import annotations

import datetime as dt
import uuid

from fusion.contract import (
    Agency,
    Commodity,
    Concealment,
    Container,
    Coordinates,
    Country,
    EvidenceRef,
    Handling,
    Lead,
    Location,
    Person,
    Port,
    Priority,
    RuleHit,
    Tlp,
    Vehicle,
)
from fusion.contract.envelope import EventEnvelope
from fusion.contract.feed_attributes import SeizureUnit
from fusion.contract.triage import DismissReason, TriageAction, TriageKind
from producers.events import seizure_event
from tests.factories import T0, grading


def make_lead(*, lead_id: str | None = None, revision: int = 1,
              priority: Priority = Priority.IMMEDIATE, tlp: Tlp = Tlp.AMBER,
              to: tuple[Country | Agency, ...] = (Country.USA,), rule: str = "watchlist-test",
              category: str = "watchlist", plate: str = "ABC1234", person: str = "José García",
              container: str | None = None, port: Port | None = Port.US_EL_PASO_BOTA,
              corridor: str | None = None, at: dt.datetime = T0, title: str | None = None,
              ) -> Lead:
    entities: list[Vehicle | Person | Container] = [
        Vehicle(plate=plate, plate_region="US-TX"), Person(name=person, role="driver")]
    if container:
        entities.append(Container(container_id=container))
    return Lead(
        lead_id=lead_id or "L-" + uuid.uuid4().hex, revision=revision, generated_at=at,
        first_event_at=at, last_event_at=at, priority=priority, score=72.5, category=category,
        title=title or f"Watchlisted vehicle {plate} crossed at {port}",
        summary=f"{plate} crossed; it is on a watchlist.",
        rule_hits=[RuleHit(rule_id=rule, rule_version=1, title="Watchlisted vehicle",
                           explanation=f"Vehicle {plate} matches a watchlist entry.")],
        contributions=[], entities=entities,
        evidence=[EvidenceRef(agency=Agency.CBP_OFO, feed="poe-crossings", event_id="x-1",
                              type="crossing.vehicle", occurred_at=at, grading=grading("B2"))],
        location=Location(port=port, corridor=corridor,
                          coordinates=None if port else Coordinates(lat=28.4, lon=-99.2))
        if port or corridor else None,
        grading=grading("B2"), handling=Handling(tlp=tlp, releasable_to=list(to)))


def action(lead: Lead, kind: TriageKind, *, agency: Agency = Agency.HSI, actor: str = "ana",
           at: dt.datetime = T0, reason: DismissReason | None = None,
           assignee: str | None = None) -> TriageAction:
    return TriageAction(action_id=str(uuid.uuid4()), lead_id=lead.lead_id,
                        revision=lead.revision, kind=kind, agency=agency, actor=actor,
                        channel="dashboard", at=at, assignee=assignee,
                        dismiss_reason=reason)


def seizure(*, agency: Agency = Agency.CBP_OFO, port: Port | None = Port.US_EL_PASO_BOTA,
            corridor: str | None = None, commodity: Commodity = Commodity.FENTANYL,
            concealment: Concealment = Concealment.GAS_TANK, quantity: float = 2.0,
            unit: SeizureUnit = "kg", at: dt.datetime = T0, tlp: Tlp = Tlp.GREEN,
            to: tuple[Country | Agency, ...] = (Country.USA, Country.MEX),
            event_id: str | None = None) -> EventEnvelope:
    location = Location(port=port, corridor=corridor) if port else Location(
        coordinates=Coordinates(lat=31.7, lon=-106.3), corridor=corridor)
    return seizure_event(event_id=event_id or f"s-{uuid.uuid4().hex[:12]}", agency=agency,
                         location=location, occurred_at=at, commodity=commodity,
                         quantity=quantity, unit=unit, concealment=concealment,
                         handling=Handling(tlp=tlp, releasable_to=list(to)))
