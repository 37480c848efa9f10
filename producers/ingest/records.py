"""One incoming record -> a valid event or a refusal that names each bad field.

Validation is the stream's own ``decode_event`` on the topic the record's agency and feed
name, so a partner sees the same reason codes here as on ``feeds.dlq``; on top of that the
record's agency must be the agency the caller authenticated as. Pure: no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from fusion.contract import (
    Agency,
    EventEnvelope,
    Feed,
    FieldError,
    Rejection,
    decode_event,
    feed_topic,
)

AGENCY_MISMATCH = "agency-mismatch"
MAPPING_ERROR = "mapping-error"
_NO_FEED_TOPIC = "feeds.unknown.unknown"  # decoding fails before the topic matters


@dataclass(frozen=True, slots=True)
class Refusal:
    reason: str  # a DeadLetterReason value, or AGENCY_MISMATCH / MAPPING_ERROR
    errors: tuple[FieldError, ...]
    event_id: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"event_id": self.event_id, "reason": self.reason,
                "errors": [e.model_dump() for e in self.errors]}


def check_record(raw: bytes, *, agency: Agency) -> EventEnvelope | Refusal:
    """Validate one JSON record that ``agency`` wants to publish."""
    doc = _loads(raw)
    event_id = doc.get("event_id") if isinstance(doc, dict) else None
    event_id = event_id if isinstance(event_id, str) else None
    result = decode_event(raw, topic=_topic_of(doc))
    if isinstance(result, Rejection):
        return Refusal(result.reason.value, result.errors, event_id)
    envelope = result.envelope
    if envelope.agency != agency:
        return Refusal(AGENCY_MISMATCH, (FieldError(
            field="agency", problem="agency_mismatch",
            message=f"agency {agency.value} may not publish for {envelope.agency.value}"),),
            event_id)
    return envelope


def check_document(doc: Any, *, agency: Agency) -> EventEnvelope | Refusal:
    """Like ``check_record`` for an already parsed JSON value (one item of an HTTP batch)."""
    return check_record(json.dumps(doc).encode(), agency=agency)


def _loads(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _topic_of(doc: Any) -> str:
    if isinstance(doc, dict):
        try:
            return feed_topic(Agency(str(doc.get("agency"))), Feed(str(doc.get("feed"))))
        except ValueError:
            pass
    return _NO_FEED_TOPIC
