"""A record the stream apps refused, as published on ``feeds.dlq``: where the original is (it
stays on its topic), a bounded copy of its first bytes with the size and SHA-256 of the whole,
and machine-readable reasons naming each field and its problem.

A dead letter is bounded whatever it was built from, so it always fits the broker's record
limit (1 MB by default): at most ``DEAD_LETTER_PREFIX_MAX`` bytes of the original value (the
worker's ``FUSION_DEAD_LETTER_PREFIX_BYTES``, default 64 KiB), at most ``KEY_PREFIX_MAX``
bytes of its key, at most ``MAX_ERRORS`` errors, field paths and messages cut to
``MAX_FIELD`` and ``MAX_MESSAGE`` characters (``tests/unit/test_dead_letters.py`` builds the
largest one).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BeforeValidator, Field

from fusion.contract.envelope import _Wire

# The worst case must fit 1 MB: 96 KiB of control bytes is 576 KiB as JSON text (\u0001 is
# six characters) plus 128 KiB of base64; 50 errors of a 300-character field and a
# 500-character message of control characters add about 170 KB.
DEAD_LETTER_PREFIX_MAX = 96 * 1024
DEAD_LETTER_PREFIX_DEFAULT = 64 * 1024
KEY_PREFIX_MAX = 1024
MAX_ERRORS = 50
MAX_FIELD = 300
MAX_MESSAGE = 500


class DeadLetterReason(StrEnum):
    MALFORMED_JSON = "malformed-json"
    NOT_AN_OBJECT = "not-an-object"
    UNSUPPORTED_SCHEMA_VERSION = "unsupported-schema-version"
    UNKNOWN_AGENCY = "unknown-agency"
    SCHEMA_VIOLATION = "schema-violation"
    TOPIC_MISMATCH = "topic-mismatch"
    EVENT_IN_FUTURE = "event-in-future"  # occurred_at past the intake's clock + max skew
    EVENT_TOO_OLD = "event-too-old"  # occurred_at before the intake's clock - max age
    DUPLICATE_EVENT = "duplicate-event"  # (agency, event_id) seen within the dedup horizon
    PROCESSING_ERROR = "processing-error"


def _cut(limit: int) -> Any:
    """Shorten text past ``limit`` characters (ending in '...'): an error about a huge input
    must not be huge itself."""
    def cut(value: object) -> object:
        if isinstance(value, str) and len(value) > limit:
            return value[:limit - 3] + "..."
        return value
    return BeforeValidator(cut)


class FieldError(_Wire):
    field: Annotated[str, _cut(MAX_FIELD)] = Field(
        max_length=MAX_FIELD,
        description="Dotted path into the record, e.g. 'entities.0.plate'; '' for all of it.")
    problem: Annotated[str, _cut(80)] = Field(
        max_length=80, description="Machine-readable code, e.g. 'missing', 'int_parsing'.")
    message: Annotated[str, _cut(MAX_MESSAGE)] = Field(max_length=MAX_MESSAGE)


def _at_most_errors(value: object) -> object:
    """Keep the first ``MAX_ERRORS - 1`` errors and say how many more there were."""
    if isinstance(value, list | tuple) and len(value) > MAX_ERRORS:
        more = len(value) - (MAX_ERRORS - 1)
        return [*value[:MAX_ERRORS - 1],
                FieldError(field="", problem="more_errors",
                           message=f"{more} more errors not listed")]
    return value


class DeadLetter(_Wire):
    schema_version: Literal[1] = 1
    reason: DeadLetterReason
    errors: Annotated[list[FieldError], BeforeValidator(_at_most_errors)] = Field(
        min_length=1, max_length=MAX_ERRORS,
        description=f"At most {MAX_ERRORS}; past that the last one says how many more.")
    topic: str = Field(description="Where the original record is: it stays on its topic.")
    partition: int
    offset: int
    timestamp_ms: int | None = None
    key_b64: str | None = Field(
        default=None, description=f"The original key (its first {KEY_PREFIX_MAX} bytes), "
                                  "base64.")
    key_size: int | None = Field(default=None, ge=0,
                                 description="The original key's size in bytes.")
    original_b64: str = Field(
        description="The original value's first bytes (all of it unless `truncated`), base64.")
    original_text: str | None = Field(
        default=None, description="Those bytes as text, when they are valid UTF-8 (a "
                                  "character cut by the end of the prefix is left out).")
    original_size: int = Field(ge=0, description="The original value's size in bytes.")
    original_sha256: str = Field(
        pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the whole original value, hex.")
    truncated: bool = Field(
        description="True when the copy is a prefix: original_size is larger than it.")
    received_at: AwareDatetime
