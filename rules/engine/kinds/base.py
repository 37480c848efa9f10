"""What every stateful kind offers the engine (pure).

The engine hands a kind its events in event-time order (oldest first, ties by event key),
one group key at a time, with that key's state: a plain JSON dict the kind reads and
updates in place. So each kind is written as if events never arrived out of order.
"""

from __future__ import annotations

from typing import Any

from fusion.contract import EventEnvelope
from rules.engine.state import JsonDict
from rules.engine.windows import Entry, seconds
from rules.findings import Finding
from rules.language.spec import EventFilter


class StatefulKind:
    """Base of the stateful kinds; subclasses implement ``clauses``, ``grouping`` and ``apply``."""

    timed = False
    """True when the kind fires from the watermark alone (``expire``), as absence does."""

    def __init__(self, rule: Any) -> None:
        self.rule = rule
        self.span: float = seconds(rule.within if hasattr(rule, "within") else rule.window)

    def clauses(self) -> list[tuple[str, EventFilter]]:
        """Named event filters; the engine routes an event to each clause it passes."""
        raise NotImplementedError

    def grouping(self, clause: str) -> tuple[str, str | None]:
        """The entity kind and role whose strongest key groups ``clause``'s events."""
        raise NotImplementedError

    def apply(self, state: JsonDict, event: EventEnvelope, entry: Entry, *, clause: str,
              key: str) -> list[Finding]:
        """Take one event for ``key``; update ``state`` in place; return what fired."""
        raise NotImplementedError

    def idle_when_empty(self, clause: str) -> bool:
        """True when an event for ``clause`` changes nothing and fires nothing for a key with
        no state yet (the engine then skips it)."""
        return False

    def expire(self, state: JsonDict, *, key: str, watermark: float) -> list[Finding]:
        """Fire what a watermark closes (absence); other kinds fire nothing here."""
        return []

    def deadline(self, state: JsonDict) -> float | None:
        """When ``expire`` next has work for this state, if ever."""
        return None

    def is_empty(self, state: JsonDict) -> bool:
        """True when the state holds nothing worth keeping (the engine then deletes it)."""
        return not any(state.values())
