"""``absence``: ``first`` seen for a key and no ``then`` for it within the span.

One pending absence per key: a ``first`` while one is pending is absorbed into it. A ``then``
at or after the pending ``first`` and no later than its deadline cancels it. When the
watermark passes the deadline (``expire``), or a later event for the key arrives after it,
the absence fires. The pending ``first`` lives in state, so a restarted engine resumes it.
"""

from __future__ import annotations

from fusion.contract import EventEnvelope
from rules.engine.explain import build_finding, iso, key_label, limit
from rules.engine.kinds.base import StatefulKind
from rules.engine.state import JsonDict
from rules.engine.windows import Entry, events_of
from rules.findings import Finding
from rules.language.spec import AbsenceRule, EventFilter


class AbsenceKind(StatefulKind):
    rule: AbsenceRule
    timed = True

    def clauses(self) -> list[tuple[str, EventFilter]]:
        return [("first", self.rule.first), ("then", self.rule.then)]

    def grouping(self, clause: str) -> tuple[str, str | None]:
        return self.rule.on.kind, self.rule.on.role

    def idle_when_empty(self, clause: str) -> bool:
        return clause == "then"  # a ``then`` with nothing pending cancels nothing

    def apply(self, state: JsonDict, event: EventEnvelope, entry: Entry, *, clause: str,
              key: str) -> list[Finding]:
        now = float(entry["t"])
        fired = self.expire(state, key=key, watermark=now)
        pending: Entry | None = state.get("pending")
        if clause == "first" and pending is None:
            state["pending"], state["deadline"] = entry, now + self.span
        elif clause == "then" and pending is not None and pending["k"] != entry["k"] \
                and pending["t"] <= now:
            state.clear()
        return fired

    def expire(self, state: JsonDict, *, key: str, watermark: float) -> list[Finding]:
        deadline = self.deadline(state)
        if deadline is None or deadline >= watermark:
            return []
        pending: Entry = state["pending"]
        state.clear()
        return [self._finding(key, pending)]

    def deadline(self, state: JsonDict) -> float | None:
        value = state.get("deadline")
        return float(value) if value is not None else None

    def _finding(self, key: str, pending: Entry) -> Finding:
        (first,) = events_of([pending])
        then = self.rule.then
        expected = ", ".join(then.types or [feed.value for feed in then.feeds])
        explanation = (f"{self.rule.title}: {key_label(key)} had {first.type} reported by "
                       f"{first.agency.value} at {iso(first.occurred_at)} and no "
                       f"{expected} followed within {limit(self.rule.within)}.")
        return build_finding(self.rule, key=key, events=[first], explanation=explanation)
