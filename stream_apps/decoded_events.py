"""Events the intake already validated, handed to the correlate stage of the same worker so
it does not parse and validate them again: the intake decodes a feed record once
(``decode_event``); its shares reach the correlate lanes through ``internal.events`` (which
only the worker may write), and a lane of this process takes the envelope from here by the
feed record's position instead of re-validating the bytes. A share read by another worker
(after a rebalance or a restart) is not here and is decoded from its bytes, as before.

Bounded: each entry is dropped when its last share has been taken, and the oldest go first
past ``capacity`` (a share then decodes from its bytes).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from fusion.contract import EventEnvelope

Position = tuple[str, int]  # ("<feed topic>:<partition>", offset)
DEFAULT_CAPACITY = 100_000


@dataclass(slots=True)
class _Entry:
    event: EventEnvelope
    left: int  # shares still to take it


class DecodedEvents:
    def __init__(self, capacity: int = DEFAULT_CAPACITY) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[Position, _Entry] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, position: Position, event: EventEnvelope, shares: int) -> None:
        """``event`` will be asked for ``shares`` times (once per share)."""
        self._entries[position] = _Entry(event, shares)
        while len(self._entries) > self._capacity:
            self._entries.popitem(last=False)

    def take(self, position: Position, value: bytes) -> EventEnvelope:
        """The event at ``position``: as the intake decoded it, or from ``value``."""
        entry = self._entries.get(position)
        if entry is None:
            self.misses += 1
            return EventEnvelope.model_validate_json(value)
        self.hits += 1
        entry.left -= 1
        if entry.left <= 0:
            del self._entries[position]
        return entry.event
