"""``threshold``: at least N events, or N distinct values of a field, per key in a window.

Repeat policy: a key fires once when the measure is reached; the events that fired are then
dropped, and it fires again only when the window has fully moved past them (the next firing's
window starts after the last event of the previous one). A vehicle crossing ten times a day
gives one lead a day, not eight.

Memory: only entries inside the window are kept; for ``count`` at most the latest N, for
``distinct`` only entries that hold the latest occurrence of some value.
"""

from __future__ import annotations

import json

from fusion.contract import EventEnvelope
from rules.engine.explain import build_finding, key_label, limit, span_of
from rules.engine.fields import field_values
from rules.engine.kinds.base import StatefulKind
from rules.engine.state import JsonDict
from rules.engine.windows import Entry, events_of
from rules.findings import Finding
from rules.language.spec import EventFilter, ThresholdRule


class ThresholdKind(StatefulKind):
    rule: ThresholdRule

    def clauses(self) -> list[tuple[str, EventFilter]]:
        return [("when", self.rule.when)]

    def grouping(self, clause: str) -> tuple[str, str | None]:
        return self.rule.group_by.kind, self.rule.group_by.role

    def apply(self, state: JsonDict, event: EventEnvelope, entry: Entry, *, clause: str,
              key: str) -> list[Finding]:
        now = float(entry["t"])
        start, this = now - self.span, entry["k"]
        kept = [e for e in state.get("entries", ()) if e["t"] >= start and e["k"] != this]
        distinct = self.rule.distinct
        if distinct is not None:
            values = sorted({json.dumps(v, sort_keys=True, default=str)
                             for v in field_values(event, distinct.field)})
            if not values:
                return []
            kept = _covering([*kept, {**entry, "v": values}])
        else:
            kept = [*kept, entry][-(self.rule.count or 0):]
        state["entries"] = kept
        fired_at = state.get("fired_at")
        if fired_at is not None and now - self.span <= fired_at:
            return []
        if _measure(kept, counting_values=distinct is not None) < self._needed():
            return []
        state["entries"], state["fired_at"] = [], now
        return [self._finding(key, kept)]

    def is_empty(self, state: JsonDict) -> bool:
        return not state.get("entries") and state.get("fired_at") is None

    def _needed(self) -> int:
        distinct = self.rule.distinct
        return distinct.at_least if distinct is not None else (self.rule.count or 0)

    def _finding(self, key: str, entries: list[Entry]) -> Finding:
        events = events_of(entries)
        rule, label = self.rule, key_label(key)
        if rule.distinct is not None:
            values = sorted({v for e in entries for v in e["v"]})
            shown = ", ".join(str(json.loads(v)) for v in values)
            measure = (f"with {len(values)} distinct values of {rule.distinct.field} "
                       f"({shown}) (threshold {rule.distinct.at_least} distinct in "
                       f"{limit(rule.window)})")
        else:
            measure = f"(threshold {rule.count} in {limit(rule.window)})"
        explanation = (f"{rule.title}: {label} appeared in {len(events)} matching events in "
                       f"{span_of(events)} {measure}.")
        return build_finding(rule, key=key, events=events, explanation=explanation,
                             ordered=True)


def _measure(entries: list[Entry], *, counting_values: bool) -> int:
    if counting_values:
        return len({v for entry in entries for v in entry["v"]})
    return len(entries)


def _covering(entries: list[Entry]) -> list[Entry]:
    """Keep only entries holding the latest occurrence of at least one value."""
    seen: set[str] = set()
    kept: list[Entry] = []
    for entry in reversed(entries):
        fresh = set(entry["v"]) - seen
        if fresh:
            kept.append(entry)
            seen |= fresh
    return kept[::-1]
