"""A consumed Kafka record as the stages see it: the raw value and where it came from."""

from __future__ import annotations

from dataclasses import dataclass

from stream_apps.dead_letters import RecordOrigin


@dataclass(frozen=True, slots=True)
class InboundRecord:
    origin: RecordOrigin
    value: bytes | None


@dataclass(frozen=True, slots=True)
class OutboundRecord:
    topic: str
    key: bytes
    value: bytes
