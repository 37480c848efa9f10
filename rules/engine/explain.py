"""Turns a rule's evidence into a ``Finding``: anchors, entities, location and words (pure).

A large catalogue fires often, so a finding is cheap to build: the ``RuleRef`` of a rule and
the words for a span are worked out once, each event's key and time once per finding."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from fusion.contract import Entity, EventEnvelope
from fusion.memo import per_object
from rules.engine.windows import human_span, strongest_key
from rules.findings import Finding, RuleRef
from rules.language.durations import format_duration


@per_object(65536)
def rule_ref(rule: Any) -> RuleRef:
    """The ``RuleRef`` of any rule spec (every kind has these fields), made once per rule
    object."""
    return RuleRef(rule_id=rule.id, version=rule.version, title=rule.title,
                   category=rule.category, base_score=rule.base_score)


@per_object(16384)
def iso(moment: dt.datetime) -> str:
    """``moment.isoformat()``, once per datetime object: an event's time is written into
    every finding it is evidence of (an aware datetime takes about 3 µs to format)."""
    return moment.isoformat()


def key_label(key: str) -> str:
    """``vehicle:US-TX:ABC1234`` -> ``vehicle US-TX ABC1234``."""
    return key.replace(":", " ")


def span_of(events: Sequence[EventEnvelope]) -> str:
    times = [event.occurred_at for event in events]
    return human_span(max(times) - min(times))


@functools.lru_cache(maxsize=1024)
def limit(span: dt.timedelta) -> str:
    return format_duration(span)


def build_finding(
    rule: Any,
    *,
    key: str | None,
    events: Sequence[EventEnvelope],
    explanation: str,
    ordered: bool = False,
) -> Finding:
    """A finding over ``events``; ``key`` is the group key, if the kind has one. ``ordered``:
    the caller vouches that ``events`` are already oldest first (ties by event key) and each
    once, as ``windows.events_of`` returns them.

    Anchors are the sorted event keys plus the group key, so a replay gives the same lead id.
    """
    if len(events) == 1:  # most findings: a match rule's, or one event's absence
        latest = events[0]
        event_key = latest.key
        ordered_events: Sequence[EventEnvelope] = events
        anchors: tuple[str, ...] = (event_key, key) if key else (event_key,)
        subject = key_label(key) if key else event_key
        began = ended = iso(latest.occurred_at)
    else:
        keyed = [(e.occurred_at, e.key, i) for i, e in enumerate(events)]
        if ordered:
            ordered_events = events
        else:
            keyed.sort()
            ordered_events = [events[i] for _, _, i in keyed]
        anchors = tuple(sorted({k for _, k, _ in keyed})) + ((key,) if key else ())
        latest = ordered_events[-1]
        subject = key_label(key) if key else keyed[-1][1]
        began, ended = iso(keyed[0][0]), iso(keyed[-1][0])
    return Finding(
        rule=rule_ref(rule),
        explanation=explanation,
        title=f"{rule.title}: {subject}",
        summary=(f"Rule {rule.id} v{rule.version} ({rule.title}) fired on {len(ordered_events)} "
                 f"event(s) from {began} to {ended}. {explanation}"),
        anchors=anchors,
        evidence=tuple(ordered_events),
        entities=_entities(key, ordered_events),
        location=latest.location,
    )


def _entities(key: str | None, events: Sequence[EventEnvelope]) -> tuple[Entity, ...]:
    """The grouped entity first, then every other entity of the evidence, each once (equal
    entities are one: the first of them stands for all)."""
    unique: dict[tuple[object, ...], Entity] = {}
    grouped: tuple[object, ...] | None = None
    for event in events:
        for entity in event.entities:
            identity = _identity(entity)
            if identity not in unique:
                unique[identity] = entity
                if key and grouped is None and strongest_key(entity) == key:
                    grouped = identity
    if grouped is None:
        return tuple(unique.values())
    first = unique.pop(grouped)
    return (first, *unique.values())


def _identity(entity: Entity) -> tuple[object, ...]:
    """What pydantic's equality compares for an entity (its type and field values; entities
    forbid extras and hold no private attributes), as a plain tuple: hashing and comparing
    the model itself runs pydantic's Python ``__hash__`` and ``__eq__``, which made this the
    costliest part of a finding."""
    return (type(entity), *entity.__dict__.values())
