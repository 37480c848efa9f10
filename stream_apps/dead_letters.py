"""Wraps a refused record into the ``DeadLetter`` published on ``feeds.dlq``."""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from fusion.contract import DeadLetter, Rejection


@dataclass(frozen=True, slots=True)
class RecordOrigin:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None


def dead_letter(
    rejection: Rejection, *, value: bytes | None, origin: RecordOrigin, now: dt.datetime
) -> DeadLetter:
    raw = value or b""
    try:
        text: str | None = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return DeadLetter(
        reason=rejection.reason,
        errors=list(rejection.errors),
        topic=origin.topic,
        partition=origin.partition,
        offset=origin.offset,
        timestamp_ms=origin.timestamp_ms,
        key_b64=base64.b64encode(origin.key).decode() if origin.key is not None else None,
        original_b64=base64.b64encode(raw).decode(),
        original_text=text,
        received_at=now,
    )
