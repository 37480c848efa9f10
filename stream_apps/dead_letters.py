"""Wraps a refused record into the ``DeadLetter`` published on ``feeds.dlq``: a bounded copy of
the original (its first ``prefix_bytes`` bytes, its size and SHA-256), and where the whole
of it stays (topic, partition, offset). A dead letter of a 900 KB record is about as large as
one of a 1 KB record, so it never runs into the broker's record limit."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
from dataclasses import dataclass

from fusion.contract import DeadLetter, Rejection
from fusion.contract.dead_letter import DEAD_LETTER_PREFIX_DEFAULT, KEY_PREFIX_MAX


@dataclass(frozen=True, slots=True)
class RecordOrigin:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None
    key: bytes | None


def dead_letter(
    rejection: Rejection, *, value: bytes | None, origin: RecordOrigin, now: dt.datetime,
    prefix_bytes: int = DEAD_LETTER_PREFIX_DEFAULT,
) -> DeadLetter:
    raw = value or b""
    prefix = raw[:prefix_bytes]
    key = origin.key
    return DeadLetter(
        reason=rejection.reason,
        errors=list(rejection.errors),
        topic=origin.topic,
        partition=origin.partition,
        offset=origin.offset,
        timestamp_ms=origin.timestamp_ms,
        key_b64=base64.b64encode(key[:KEY_PREFIX_MAX]).decode() if key is not None else None,
        key_size=len(key) if key is not None else None,
        original_b64=base64.b64encode(prefix).decode(),
        original_text=_text(prefix, cut=len(prefix) < len(raw)),
        original_size=len(raw),
        original_sha256=hashlib.sha256(raw).hexdigest(),
        truncated=len(prefix) < len(raw),
        received_at=now,
    )


def dead_letter_key(origin: RecordOrigin) -> bytes:
    """The dead letter's record key: the original's, or where it came from when it has none;
    a key longer than ``KEY_PREFIX_MAX`` becomes its SHA-256 (the letter holds its prefix)."""
    key = origin.key or f"{origin.topic}:{origin.partition}".encode()
    if len(key) > KEY_PREFIX_MAX:
        return b"sha256:" + hashlib.sha256(key).hexdigest().encode()
    return key


def _text(prefix: bytes, *, cut: bool) -> str | None:
    """``prefix`` as text when it is UTF-8; when the prefix was cut, a character it split in
    two (at most 3 bytes at its end) is left out."""
    for drop in range(4 if cut else 1):
        try:
            return prefix[:len(prefix) - drop].decode("utf-8")
        except UnicodeDecodeError:
            continue
    return None
