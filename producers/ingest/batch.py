"""A whole batch judged before anything of it is published. Pure.

Each item is encoded once (compact UTF-8 JSON, the bytes the size limit is about), checked
against ``max_event_bytes``, then validated by ``records.check_record`` like the stream
validates a record; an ``event_id`` that an earlier item of the same batch already carries
is refused too (one of the two would otherwise be dropped without a word). The verdict lists
every refused item by its index; the HTTP endpoint publishes the batch only if none is.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from fusion.contract import (
    Agency,
    EventEnvelope,
    EventTimeLimits,
    FieldError,
    check_event_time,
)
from producers.ingest.records import Refusal, check_record

TOO_LARGE = "too-large"
REPEATED_IN_BATCH = "repeated-in-batch"


@dataclass(frozen=True, slots=True)
class Refused:
    index: int
    refusal: Refusal

    def as_json(self) -> dict[str, Any]:
        return {"index": self.index, **self.refusal.as_json()}


@dataclass(frozen=True, slots=True)
class BatchVerdict:
    events: list[tuple[int, EventEnvelope]]  # the valid items, by index
    too_large: list[Refused]  # answered 413: nothing else of the batch was validated
    refused: list[Refused]  # answered 422

    @property
    def clean(self) -> bool:
        return not self.too_large and not self.refused


def check_batch(items: list[Any], *, agency: Agency, max_event_bytes: int,
                now: dt.datetime | None = None,
                time_limits: EventTimeLimits | None = None) -> BatchVerdict:
    """``now`` and ``time_limits``: the event-time rule of the stream's intake, applied here
    so a sender hears of an event from 2999 at once (None: not checked)."""
    encoded = [_encode(item) for item in items]
    too_large = [Refused(i, _too_large(raw, item, max_event_bytes))
                 for i, (raw, item) in enumerate(zip(encoded, items, strict=True))
                 if len(raw) > max_event_bytes]
    if too_large:
        return BatchVerdict([], too_large, [])
    events: list[tuple[int, EventEnvelope]] = []
    refused: list[Refused] = []
    first_index: dict[str, int] = {}
    for index, raw in enumerate(encoded):
        result = check_record(raw, agency=agency)
        if isinstance(result, Refusal):
            refused.append(Refused(index, result))
        elif now is not None and time_limits is not None and (
                late := check_event_time(result, now=now, limits=time_limits)) is not None:
            refused.append(Refused(index, Refusal(late.reason.value, late.errors,
                                                  result.event_id)))
        elif result.event_id in first_index:
            refused.append(Refused(index, _repeated(result, first_index[result.event_id])))
        else:
            first_index[result.event_id] = index
            events.append((index, result))
    return BatchVerdict(events, [], refused)


def _encode(item: Any) -> bytes:
    text = json.dumps(item, ensure_ascii=False, separators=(",", ":"))
    try:
        return text.encode()
    except UnicodeEncodeError:  # a lone surrogate ("\\ud800") json.loads let through: keep it
        # escaped, so the validator refuses it by name instead of this encoder raising
        return json.dumps(item, separators=(",", ":")).encode()


def _event_id(item: Any) -> str | None:
    value = item.get("event_id") if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _too_large(raw: bytes, item: Any, limit: int) -> Refusal:
    return Refusal(TOO_LARGE, (FieldError(
        field="", problem="too_large",
        message=f"the event is {len(raw):,} bytes as compact JSON; at most {limit:,}"),),
        _event_id(item))


def _repeated(event: EventEnvelope, first: int) -> Refusal:
    return Refusal(REPEATED_IN_BATCH, (FieldError(
        field="event_id", problem="repeated_in_batch",
        message=f"event_id {event.event_id!r} is also the event at index {first}; "
                "an event_id names one event of the agency"),), event.event_id)
