"""A record the stream apps refused, as published on ``feeds.dlq``: the original bytes, where
they came from, and machine-readable reasons naming each field and its problem."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from fusion.contract.envelope import _Wire


class DeadLetterReason(StrEnum):
    MALFORMED_JSON = "malformed-json"
    NOT_AN_OBJECT = "not-an-object"
    UNSUPPORTED_SCHEMA_VERSION = "unsupported-schema-version"
    UNKNOWN_AGENCY = "unknown-agency"
    SCHEMA_VIOLATION = "schema-violation"
    TOPIC_MISMATCH = "topic-mismatch"
    PROCESSING_ERROR = "processing-error"


class FieldError(_Wire):
    field: str = Field(
        description="Dotted path into the record, e.g. 'entities.0.plate'; '' for all of it."
    )
    problem: str = Field(description="Machine-readable code, e.g. 'missing', 'int_parsing'.")
    message: str


class DeadLetter(_Wire):
    schema_version: Literal[1] = 1
    reason: DeadLetterReason
    errors: list[FieldError] = Field(min_length=1)
    topic: str
    partition: int
    offset: int
    timestamp_ms: int | None = None
    key_b64: str | None = Field(default=None, description="The original key, base64.")
    original_b64: str = Field(description="The original value bytes, base64.")
    original_text: str | None = Field(
        default=None, description="The original value as text when it is valid UTF-8."
    )
    received_at: AwareDatetime
