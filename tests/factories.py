"""Small builders shared by the tests (the production builders live in producers.events)."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from typing import Any

from pydantic import TypeAdapter

from fusion.contract import (
    Agency,
    Coordinates,
    Country,
    Credibility,
    EventEnvelope,
    Grading,
    Handling,
    Person,
    PoeCrossingAttributes,
    Port,
    SourceReliability,
    Tlp,
    Vehicle,
    WatchlistAttributes,
)
from producers.events import crossing_event, lpr_read_event, tip_event, watchlist_event
from rules.engine import RuleEngine
from rules.findings import Finding
from rules.language.spec import RuleSpec
from rules.watchlist import WatchlistEntry, entry_from_event, match_crossing

T0 = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)


def vehicle(plate: str = "ABC1234", region: str = "US-TX") -> Vehicle:
    return Vehicle(plate=plate, plate_region=region)


def handling(tlp: Tlp = Tlp.GREEN, *to: Country | Agency) -> Handling:
    return Handling(tlp=tlp, releasable_to=list(to or (Country.USA, Country.MEX)))


def crossing(
    plate: str = "ABC1234", *, at: dt.datetime = T0, event_id: str = "x-1", **kw: Any
) -> EventEnvelope:
    return crossing_event(event_id=event_id, vehicle=vehicle(plate, kw.pop("region", "US-TX")),
                          port=kw.pop("port", Port.US_EL_PASO_BOTA), occurred_at=at, **kw)


def listing(
    plate: str = "ABC1234", *, at: dt.datetime = T0 - dt.timedelta(days=1), entry_id: str = "E1",
    **kw: Any,
) -> EventEnvelope:
    return watchlist_event(event_id=f"wl-{entry_id}", entry_id=entry_id,
                           vehicle=vehicle(plate, kw.pop("region", "US-TX")), occurred_at=at,
                           reason=kw.pop("reason", "suspected bulk cash courier"), **kw)


def grading(code: str) -> Grading:
    return Grading(source=SourceReliability(code[0]), credibility=Credibility(code[1]))


def as_json(event: EventEnvelope) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(event.model_dump_json())
    return result


# Helpers added for the unit tests of rules and leads (existing builders above are unchanged).


def crossing_attributes(event: EventEnvelope) -> PoeCrossingAttributes:
    return PoeCrossingAttributes.model_validate(event.attributes)


def watch_entry(event: EventEnvelope) -> WatchlistEntry:
    """The watchlist entry a ``listing()`` event describes."""
    return entry_from_event(event, WatchlistAttributes.model_validate(event.attributes))


def entries_by_key(*entries: WatchlistEntry) -> dict[str, list[WatchlistEntry]]:
    """Index entries under each of their keys, as the watchlist store does."""
    index: dict[str, list[WatchlistEntry]] = {}
    for entry in entries:
        for key in entry.keys:
            index.setdefault(key, []).append(entry)
    return index


def findings_for(event: EventEnvelope, *listings: EventEnvelope) -> list[Finding]:
    """Run the watchlist rule for one crossing against the given listing events."""
    return match_crossing(event, crossing_attributes(event),
                          entries_by_key(*(watch_entry(e) for e in listings)))


# Helpers for the rule engine tests (tests/unit/test_engine_*.py).


def rule_spec(kind: str, rule_id: str | None = None, **fields: Any) -> RuleSpec:
    """A valid rule of ``kind`` with the common fields filled in; ``fields`` are the rest."""
    document = {"id": rule_id or f"test-{kind}", "version": 1, "title": f"Test {kind} rule",
                "description": "A rule written for the engine unit tests.",
                "category": "test", "base_score": 40, "owner": "EPIC", "kind": kind, **fields}
    spec: RuleSpec = TypeAdapter(RuleSpec).validate_python(document)
    return spec


def driver(name: str) -> Person:
    return Person(name=name, role="driver")


def lpr(plate: str = "ABC1234", *, at: dt.datetime = T0, event_id: str = "l-1",
        agency: Agency = Agency.USBP) -> EventEnvelope:
    return lpr_read_event(event_id=event_id, vehicle=vehicle(plate),
                          coordinates=Coordinates(lat=31.8, lon=-106.4), occurred_at=at,
                          camera_id="cam-7", agency=agency)


def vehicle_tip(plate: str = "ABC1234", *, at: dt.datetime = T0, event_id: str = "t-1",
                agency: Agency = Agency.HSI, role: str | None = None) -> EventEnvelope:
    """A tip naming one vehicle (any agency can send one: handy for corroboration)."""
    seen = vehicle(plate).model_copy(update={"role": role})
    return tip_event(event_id=event_id, occurred_at=at, text="vehicle seen loading",
                     entities=[seen], agency=agency)


def run_engine(engine: RuleEngine, events: Sequence[EventEnvelope]) -> list[Finding]:
    """Process ``events`` in the given order, then close every window: all findings."""
    findings = [f for event in events for f in engine.process(event).findings]
    return findings + engine.advance(T0 + dt.timedelta(days=365))


def finding_ids(findings: Sequence[Finding]) -> set[tuple[str, tuple[str, ...]]]:
    return {(f.rule.rule_id, f.anchors) for f in findings}
