"""``sequence``: steps on one entity key within a span, in order or (``ordered: false``) not.

Ordered: partial runs are kept per key; an event for step i+1 extends a run whose last step is
strictly earlier and whose first step is within the span. Runs that another run of the same
length makes useless (it started no later and ended no earlier) are dropped. Unordered: the
latest event for each step inside the span. Either way the key fires once per completed set
and then starts again from nothing, so one set of steps is never reported twice.
"""

from __future__ import annotations

from fusion.contract import EventEnvelope
from rules.engine.explain import build_finding, key_label, limit, span_of
from rules.engine.kinds.base import StatefulKind
from rules.engine.state import JsonDict
from rules.engine.windows import Entry, events_of
from rules.findings import Finding
from rules.language.spec import EventFilter, SequenceRule

Run = list[Entry]


class SequenceKind(StatefulKind):
    rule: SequenceRule

    def clauses(self) -> list[tuple[str, EventFilter]]:
        return [(f"step:{i}", step) for i, step in enumerate(self.rule.steps)]

    def grouping(self, clause: str) -> tuple[str, str | None]:
        return self.rule.on.kind, self.rule.on.role

    def idle_when_empty(self, clause: str) -> bool:
        """In order, a later step with no run to extend does nothing."""
        return self.rule.ordered and clause != "step:0"

    def apply(self, state: JsonDict, event: EventEnvelope, entry: Entry, *, clause: str,
              key: str) -> list[Finding]:
        step = int(clause.split(":")[1])
        start = float(entry["t"]) - self.span
        if self.rule.ordered:
            complete = self._extend_runs(state, entry, step, start)
        else:
            complete = self._collect_steps(state, entry, step, start)
        if complete is None:
            return []
        state.clear()
        return [self._finding(key, complete)]

    def _extend_runs(self, state: JsonDict, entry: Entry, step: int, start: float) -> Run | None:
        runs: list[Run] = [r for r in state.get("runs", []) if r[0]["t"] >= start]
        if step == 0:
            new: list[Run] = [[entry]]
        else:
            new = [[*run, entry] for run in runs
                   if len(run) == step and run[-1]["t"] < entry["t"]]
        if step == len(self.rule.steps) - 1 and new:
            return max(new, key=lambda run: (run[0]["t"], run[0]["k"]))
        state["runs"] = _undominated([*runs, *new])
        return None

    def _collect_steps(self, state: JsonDict, entry: Entry, step: int,
                       start: float) -> Run | None:
        latest: dict[str, Entry] = {s: e for s, e in state.get("latest", {}).items()
                                    if e["t"] >= start}
        latest[str(step)] = entry
        state["latest"] = latest
        chosen = [latest.get(str(i)) for i in range(len(self.rule.steps))]
        keys = {e["k"] for e in chosen if e is not None}
        if None in chosen or len(keys) < len(chosen):
            return None
        return [e for e in chosen if e is not None]

    def _finding(self, key: str, run: Run) -> Finding:
        events = events_of(run)
        rule = self.rule
        steps = " then ".join(e.type for e in events) if rule.ordered else ", ".join(
            sorted(e.type for e in events))
        how = "in order" if rule.ordered else "in any order"
        explanation = (f"{rule.title}: {key_label(key)} completed {len(rule.steps)} steps "
                       f"{how} ({steps}) in {span_of(events)} (within {limit(rule.within)}).")
        return build_finding(rule, key=key, events=events, explanation=explanation,
                             ordered=True)


def _undominated(runs: list[Run]) -> list[Run]:
    """Per length, drop runs that started no later and ended no earlier than another."""
    kept: list[Run] = []
    for run in runs:
        if not any(_dominates(other, run) for other in runs if other is not run):
            kept.append(run)
    return kept


def _dominates(a: Run, b: Run) -> bool:
    if len(a) != len(b):
        return False
    first_a, first_b = (a[0]["t"], a[0]["k"]), (b[0]["t"], b[0]["k"])
    last_a, last_b = (a[-1]["t"], a[-1]["k"]), (b[-1]["t"], b[-1]["k"])
    return first_a >= first_b and last_a <= last_b and (first_a, last_a) != (first_b, last_b)
