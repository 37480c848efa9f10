"""``link``: a left and a right event share an entity (by canonical key) within a span.

Each side keeps its recent events per key (inside the span, at most ``MAX_PER_SIDE``). An
event that completes a pair fires once, joined with its most recent partner, so a trace
followed by three crossings of its purchaser gives three findings, one per crossing, and a
replay gives the same ones. With ``order: left-first`` the left event must not be later than
the right one.
"""

from __future__ import annotations

from fusion.contract import EventEnvelope
from rules.engine.explain import build_finding, key_label, limit, span_of
from rules.engine.kinds.base import StatefulKind
from rules.engine.state import JsonDict
from rules.engine.windows import Entry, events_of, order_key
from rules.findings import Finding
from rules.language.spec import EventFilter, LinkRule

MAX_PER_SIDE = 64
_OTHER = {"left": "right", "right": "left"}


class LinkKind(StatefulKind):
    rule: LinkRule

    def clauses(self) -> list[tuple[str, EventFilter]]:
        return [("left", self.rule.left), ("right", self.rule.right)]

    def grouping(self, clause: str) -> tuple[str, str | None]:
        role = self.rule.left_role if clause == "left" else self.rule.right_role
        return self.rule.on, role

    def apply(self, state: JsonDict, event: EventEnvelope, entry: Entry, *, clause: str,
              key: str) -> list[Finding]:
        start = float(entry["t"]) - self.span
        for side in ("left", "right"):
            state[side] = [e for e in state.get(side, []) if e["t"] >= start]
        partners = [e for e in state[_OTHER[clause]]
                    if e["k"] != entry["k"] and self._in_order(clause, entry, e)]
        state[clause] = [*state[clause], entry][-MAX_PER_SIDE:]
        if not partners:
            return []
        partner = max(partners, key=order_key)
        left, right = (entry, partner) if clause == "left" else (partner, entry)
        return [self._finding(key, left, right)]

    def _in_order(self, clause: str, entry: Entry, partner: Entry) -> bool:
        if self.rule.order == "any":
            return True
        left, right = (entry, partner) if clause == "left" else (partner, entry)
        return bool(left["t"] <= right["t"])

    def _finding(self, key: str, left: Entry, right: Entry) -> Finding:
        left_event, right_event = events_of([left]) + events_of([right])
        rule = self.rule
        explanation = (f"{rule.title}: {key_label(key)} appears in {left_event.type} "
                       f"({left_event.key}{_role(rule.left_role)}) and {right_event.type} "
                       f"({right_event.key}{_role(rule.right_role)}) "
                       f"{span_of([left_event, right_event])} apart (within "
                       f"{limit(rule.within)}).")
        return build_finding(rule, key=key, events=[left_event, right_event],
                             explanation=explanation)


def _role(role: str | None) -> str:
    return f", as {role}" if role else ""
