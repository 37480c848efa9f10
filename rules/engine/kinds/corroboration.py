"""``corroboration``: one entity key reported by at least k distinct agencies within a span.

Only the latest report of each agency inside the span is kept. Repeat policy as for
``threshold``: after firing, the key fires again only once the span has moved past the
reports that fired it.
"""

from __future__ import annotations

from fusion.contract import EventEnvelope
from rules.engine.explain import build_finding, key_label, limit, span_of
from rules.engine.kinds.base import StatefulKind
from rules.engine.state import JsonDict
from rules.engine.windows import Entry, events_of
from rules.findings import Finding
from rules.language.spec import CorroborationRule, EventFilter


class CorroborationKind(StatefulKind):
    rule: CorroborationRule

    def clauses(self) -> list[tuple[str, EventFilter]]:
        return [("when", self.rule.when)]

    def grouping(self, clause: str) -> tuple[str, str | None]:
        return self.rule.on.kind, self.rule.on.role

    def apply(self, state: JsonDict, event: EventEnvelope, entry: Entry, *, clause: str,
              key: str) -> list[Finding]:
        now = float(entry["t"])
        start = now - self.span
        reports: dict[str, Entry] | None = state.get("reports")
        if reports is None:
            reports = state["reports"] = {}
        else:  # in place: drop the reports the span has left behind
            for agency in [a for a, e in reports.items() if e["t"] < start]:
                del reports[agency]
        reports[event.agency.value] = entry
        fired_at = state.get("fired_at")
        if len(reports) < self.rule.agencies or (
                fired_at is not None and now - self.span <= fired_at):
            return []
        state["reports"], state["fired_at"] = {}, now
        return [self._finding(key, list(reports.values()))]

    def is_empty(self, state: JsonDict) -> bool:
        return not state.get("reports") and state.get("fired_at") is None

    def _finding(self, key: str, reports: list[Entry]) -> Finding:
        events = events_of(reports)
        agencies = sorted({e.agency.value for e in events})
        explanation = (f"{self.rule.title}: {key_label(key)} was reported by {len(agencies)} "
                       f"agencies ({', '.join(agencies)}) in {span_of(events)} (needs "
                       f"{self.rule.agencies} within {limit(self.rule.within)}).")
        return build_finding(self.rule, key=key, events=events, explanation=explanation,
                             ordered=True)
