"""``match``: one event meets the rule's filter; fires for every such event (stateless)."""

from __future__ import annotations

from fusion.contract import EventEnvelope
from rules.engine.explain import build_finding, iso
from rules.findings import Finding
from rules.language.spec import MatchRule


def match_finding(rule: MatchRule, event: EventEnvelope) -> Finding:
    where = event.location.port.value if event.location and event.location.port else None
    place = f" at {where}" if where else ""
    explanation = (f"{rule.title}: {event.agency.value} reported {event.type}{place} at "
                   f"{iso(event.occurred_at)} (event {event.key}).")
    return build_finding(rule, key=None, events=[event], explanation=explanation)
