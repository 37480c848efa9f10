"""Turns a rule's evidence into a ``Finding``: anchors, entities, location and words (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from fusion.contract import Entity, EventEnvelope
from fusion.resolution.keys import entity_keys
from rules.engine.windows import human_span
from rules.findings import Finding, RuleRef
from rules.language.durations import format_duration


def rule_ref(rule: Any) -> RuleRef:
    """The ``RuleRef`` of any rule spec (every kind has these fields)."""
    return RuleRef(rule_id=rule.id, version=rule.version, title=rule.title,
                   category=rule.category, base_score=rule.base_score)


def key_label(key: str) -> str:
    """``vehicle:US-TX:ABC1234`` -> ``vehicle US-TX ABC1234``."""
    return key.replace(":", " ")


def span_of(events: Sequence[EventEnvelope]) -> str:
    times = [event.occurred_at for event in events]
    return human_span(max(times) - min(times))


def limit(span: dt.timedelta) -> str:
    return format_duration(span)


def build_finding(
    rule: Any,
    *,
    key: str | None,
    events: Sequence[EventEnvelope],
    explanation: str,
) -> Finding:
    """A finding over ``events`` (oldest first); ``key`` is the group key, if the kind has one.

    Anchors are the sorted event keys plus the group key, so a replay gives the same lead id.
    """
    ordered = sorted(events, key=lambda e: (e.occurred_at, e.key))
    anchors = tuple(sorted({e.key for e in ordered})) + ((key,) if key else ())
    latest = ordered[-1]
    subject = key_label(key) if key else latest.key
    return Finding(
        rule=rule_ref(rule),
        explanation=explanation,
        title=f"{rule.title}: {subject}",
        summary=(f"Rule {rule.id} v{rule.version} ({rule.title}) fired on {len(ordered)} "
                 f"event(s) from {ordered[0].occurred_at.isoformat()} to "
                 f"{latest.occurred_at.isoformat()}. {explanation}"),
        anchors=anchors,
        evidence=tuple(ordered),
        entities=_entities(key, ordered),
        location=latest.location,
    )


def _entities(key: str | None, events: Sequence[EventEnvelope]) -> tuple[Entity, ...]:
    """The grouped entity first, then every other entity of the evidence, each once."""
    everything = [entity for event in events for entity in event.entities]
    grouped = [e for e in everything if key and entity_keys(e)[:1] == (key,)][:1]
    found: list[Entity] = list(grouped)
    for entity in everything:
        if entity not in found:
            found.append(entity)
    return tuple(found)
