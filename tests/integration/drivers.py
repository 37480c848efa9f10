"""Crossings of one vehicle by several drivers, for the tests of the threshold rule
``vehicle-many-drivers`` (3 distinct drivers of one vehicle in 7 days)."""

from __future__ import annotations

import datetime as dt
import uuid

from adapters.kafka.feed_publisher import FeedPublisher
from fusion.contract import Agency, Document, EventEnvelope, Lead, lead_topic
from tests.factories import crossing
from tests.integration import partner
from tests.integration.conftest import Stack

RULE = "vehicle-many-drivers"  # threshold: 3 distinct drivers of one vehicle in 7 days


def crossing_with_driver(plate: str, n: int, at: dt.datetime) -> EventEnvelope:
    event = crossing(plate, event_id=f"md-{plate}-{n}", at=at, region="MX-BCN")
    driver = Document(role="driver", document_type="passport", number=f"G{plate[-4:]}{n:04d}",
                      issuing_country="MEX")
    return event.model_copy(update={"entities": [*event.entities, driver]})


def leads_for(stack: Stack, plate: str, start: dict[int, int]) -> list[Lead]:
    messages = partner.read_to_end(stack.agency(Agency.HSI), lead_topic(Agency.HSI), start)
    leads = [Lead.model_validate_json(m.payload or "") for m in messages]
    return [lead for lead in leads if lead.rule_hits[0].rule_id == RULE
            and any(e.event_id.startswith(f"md-{plate}-") for e in lead.evidence)]


def publish(stack: Stack, events: list[EventEnvelope]) -> None:
    with FeedPublisher(stack.simulator, client_id="correlation-test") as publisher:
        publisher.publish(events)


def unique_plate() -> str:
    return "MD" + uuid.uuid4().hex[:5].upper()


