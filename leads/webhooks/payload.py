"""The body a receiver gets for one lead record, pure: the Standard Webhooks shape
``{"type": "lead.revision", "timestamp": <when it reached the agency's topic>, "data":
<the Lead as the topic carries it>}``, built from the record's bytes, so that what a webhook
receiver and a Kafka consumer of the same agency see is the same lead."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import orjson

from fusion.contract.webhooks import WEBHOOK_EVENT_TYPE


class UnreadableLeadError(ValueError):
    """A lead record whose value is no lead (id and revision)."""


@dataclass(frozen=True, slots=True)
class LeadMessage:
    lead_id: str
    revision: int
    body: bytes


def lead_message(value: bytes | None, *, at: dt.datetime) -> LeadMessage:
    """The message of one lead record written at ``at``; refuses a value that is not a JSON
    object with a string ``lead_id`` and a positive ``revision``."""
    try:
        lead = orjson.loads(value or b"")
    except orjson.JSONDecodeError as exc:
        raise UnreadableLeadError(f"not JSON: {exc}") from None
    if not isinstance(lead, dict):
        raise UnreadableLeadError("not a JSON object")
    lead_id, revision = lead.get("lead_id"), lead.get("revision")
    if not isinstance(lead_id, str) or not lead_id or len(lead_id) > 64:
        raise UnreadableLeadError("no lead_id")
    if not isinstance(revision, int) or isinstance(revision, bool) or revision < 1:
        raise UnreadableLeadError("no revision")
    body = orjson.dumps({"type": WEBHOOK_EVENT_TYPE,
                         "timestamp": at.astimezone(dt.UTC).isoformat(), "data": lead})
    return LeadMessage(lead_id, revision, body)
