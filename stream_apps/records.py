"""A consumed Kafka record as the stages see it: the raw value and where it came from."""

from __future__ import annotations

from dataclasses import dataclass

from stream_apps.dead_letters import RecordOrigin

SOURCE_HEADER = "fusion-source"  # "<topic>:<partition>" a valid event was first read from


@dataclass(frozen=True, slots=True)
class InboundRecord:
    origin: RecordOrigin
    value: bytes | None
    source: str | None = None  # from SOURCE_HEADER, when the record carries one


@dataclass(frozen=True, slots=True)
class OutboundRecord:
    topic: str
    key: bytes
    value: bytes
    headers: tuple[tuple[str, bytes], ...] = ()
