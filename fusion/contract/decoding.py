"""Turns the bytes on a feed topic into a validated event, or into the reasons it was refused.

Pure: no Kafka here. The stream app wraps a ``Rejection`` into a ``DeadLetter`` with the
record's topic, partition and offset.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from fusion.contract.dead_letter import DeadLetterReason, FieldError
from fusion.contract.entities import ENTITY_KINDS
from fusion.contract.envelope import EventEnvelope
from fusion.contract.feeds import FEEDS
from fusion.contract.retraction import Retraction
from fusion.contract.topics import parse_feed_topic


@dataclass(frozen=True, slots=True)
class ValidEvent:
    envelope: EventEnvelope
    attributes: BaseModel


@dataclass(frozen=True, slots=True)
class Rejection:
    reason: DeadLetterReason
    errors: tuple[FieldError, ...]


def decode_event(value: bytes | None, *, topic: str) -> ValidEvent | Rejection:
    """Parse and validate one record from ``topic`` (a ``feeds.<agency>.<feed>`` name)."""
    if not value:
        return _reject(DeadLetterReason.MALFORMED_JSON, "", "empty", "the record has no value")
    try:
        envelope = EventEnvelope.model_validate_json(value)
    except ValidationError as exc:
        return _from_validation_error(exc)
    return _check_feed(envelope, topic=topic)


def decode_feed_record(value: bytes | None, *, topic: str) -> ValidEvent | Retraction | Rejection:
    """An event, or a retraction (a record with ``"record": "retraction"``), from ``topic``.
    A retraction must come on its own agency's topic for the feed of the event it retracts:
    only the publishing agency may retract its events."""
    if not value or b'"retraction"' not in value:
        return decode_event(value, topic=topic)
    try:
        retraction = Retraction.model_validate_json(value)
    except ValidationError as exc:
        if b'"record"' not in value:  # an event that merely mentions the word
            return decode_event(value, topic=topic)
        return _from_validation_error(exc)
    expected = (retraction.agency.slug, retraction.feed.value)
    if parse_feed_topic(topic) != expected:
        return _reject(
            DeadLetterReason.TOPIC_MISMATCH, "agency", "topic_mismatch",
            f"a retraction by {retraction.agency.value} of a {retraction.feed.value} event "
            f"must be published on feeds.{expected[0]}.{expected[1]}, not {topic}: an agency "
            "retracts only its own events")
    return retraction


def _check_feed(envelope: EventEnvelope, *, topic: str) -> ValidEvent | Rejection:
    spec = FEEDS[envelope.feed]
    expected = (envelope.agency.slug, envelope.feed.value)
    if parse_feed_topic(topic) != expected:
        return _reject(
            DeadLetterReason.TOPIC_MISMATCH, "agency", "topic_mismatch",
            f"an event of {envelope.agency.value} on feed {envelope.feed.value} must be "
            f"published on feeds.{expected[0]}.{expected[1]}, not {topic}",
        )
    errors: list[FieldError] = []
    if envelope.agency not in spec.publishers:
        errors.append(FieldError(field="agency", problem="not_a_publisher",
                                 message=f"{envelope.agency.value} does not publish "
                                         f"{spec.feed.value}"))
    if envelope.type not in spec.event_types:
        allowed = ", ".join(sorted(spec.event_types))
        errors.append(FieldError(field="type", problem="unknown_event_type",
                                 message=f"{envelope.type!r} is not a {spec.feed.value} event type "
                                         f"(expected one of: {allowed})"))
    if spec.needs_location and envelope.location is None:
        errors.append(FieldError(field="location", problem="missing",
                                 message=f"{spec.feed.value} events need a location"))
    if spec.exactly_one_entity and len(envelope.entities) != 1:
        errors.append(FieldError(field="entities", problem="entity_count",
                                 message=f"{spec.feed.value} events carry exactly one entity, "
                                         f"got {len(envelope.entities)}"))
    try:
        attributes = spec.attributes.model_validate(envelope.attributes)
    except ValidationError as exc:
        errors.extend(_field_errors(exc, prefix="attributes"))
    if errors:
        return Rejection(DeadLetterReason.SCHEMA_VIOLATION, tuple(errors))
    return ValidEvent(envelope=envelope, attributes=attributes)


def _from_validation_error(exc: ValidationError) -> Rejection:
    raw = exc.errors(include_url=False)
    errors = _field_errors(exc)
    first: dict[str, Any] = dict(raw[0]) if raw else {}
    kinds = {(tuple(e["loc"]), e["type"]) for e in raw}
    if first.get("type") == "json_invalid":
        reason = DeadLetterReason.MALFORMED_JSON
    elif first.get("type") == "model_type" and tuple(first.get("loc", ())) == ():
        reason = DeadLetterReason.NOT_AN_OBJECT
    elif any(loc == ("schema_version",) and kind == "literal_error" for loc, kind in kinds):
        reason = DeadLetterReason.UNSUPPORTED_SCHEMA_VERSION
    elif any(loc == ("agency",) and kind == "enum" for loc, kind in kinds):
        reason = DeadLetterReason.UNKNOWN_AGENCY
    else:
        reason = DeadLetterReason.SCHEMA_VIOLATION
    return Rejection(reason, tuple(errors))


def _field_errors(exc: ValidationError, *, prefix: str = "") -> list[FieldError]:
    out = []
    for err in exc.errors(include_url=False):
        path = ".".join(str(part) for part in _without_union_tags(err["loc"]))
        if prefix:
            path = f"{prefix}.{path}" if path else prefix
        out.append(FieldError(field=path, problem=err["type"], message=err["msg"]))
    return out


def _without_union_tags(loc: tuple[int | str, ...]) -> list[int | str]:
    """``entities.0.vehicle.plate`` -> ``entities.0.plate``: the tag pydantic inserts for a
    discriminated union is not a field the publisher wrote."""
    return [part for i, part in enumerate(loc)
            if not (part in ENTITY_KINDS and i > 0 and isinstance(loc[i - 1], int))]


def _reject(reason: DeadLetterReason, field: str, problem: str, message: str) -> Rejection:
    return Rejection(reason, (FieldError(field=field, problem=problem, message=message),))
