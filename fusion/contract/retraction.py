"""A retraction: an agency takes back an event it published (wrong plate, a test record, a
report found false). It travels on the agency's own feed topic, beside its events, and is
validated like them: a bad one is a dead letter naming the field, and one that names another
agency, or arrives on another agency's topic, is ``topic-mismatch`` (only the publishing
agency may retract its events: its principal alone writes ``feeds.<slug>.*``).

    {"schema_version": 1, "record": "retraction", "retraction_id": "r-1", "agency": "HSI",
     "feed": "watchlist", "event_id": "wl-9", "reason": "entered in error",
     "retracted_at": "2026-12-04T18:00:00+00:00"}

A valid retraction goes to ``internal.retractions``; the escalation service then recalls or
corrects every lead that rests on the event (``leads/recall.py``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AwareDatetime, StringConstraints

from fusion.contract.codes import Agency, Feed
from fusion.contract.envelope import EventId, _Wire
from fusion.contract.text import Printable

Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500),
                   Printable(line_breaks=True)]


class Retraction(_Wire):
    schema_version: Literal[1]
    record: Literal["retraction"]
    retraction_id: EventId
    agency: Agency
    feed: Feed
    event_id: EventId
    reason: Reason
    retracted_at: AwareDatetime

    @property
    def event_key(self) -> str:
        """The retracted event's ``<AGENCY>/<event_id>`` (``EventEnvelope.key``)."""
        return f"{self.agency.value}/{self.event_id}"
