"""The rule engine: routes events to rules, keeps event time, and fires findings (pure).

Event time: the watermark is the highest ``occurred_at`` seen minus ``allowed_lateness`` (or
a later time given to ``advance``). An event older than the watermark is late: it is not
evaluated and comes back flagged, for the caller to send to a side topic.

Order: ``match`` rules fire at once (they look at one event). Events for the stateful kinds
wait in a reorder buffer until the watermark passes them, and are then handed to the kinds
oldest first (ties by event key). So any arrival order within the lateness bound gives the
same findings, and a replay gives the same lead ids; the price is that a stateful finding
comes out up to ``allowed_lateness`` of event time after its last event. A caller whose
stream goes quiet calls ``advance`` with a watermark from its own clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from fusion.contract import Entity, EventEnvelope, Feed
from rules.engine.compiled import CompiledFilter, EvalContext, compile_filter
from rules.engine.index import RouteIndex
from rules.engine.kinds import StatefulKind, match_finding, stateful_kind
from rules.engine.state import InMemoryStore, JsonDict, StateStore
from rules.engine.windows import Entry, group_entities, make_entry, order_key, seconds, to_time
from rules.findings import Finding
from rules.language.spec import MatchRule, RuleSpec

DEFAULT_LATENESS = dt.timedelta(minutes=10)
NOTHING_WATCHLISTED = EvalContext()
CLOCK_KEY = "engine/clock"
BUFFER_KEY = "engine/buffer"


@dataclass(frozen=True, slots=True)
class EngineResult:
    """What one event produced: findings, or ``late=True`` when it was not evaluated."""

    findings: list[Finding] = field(default_factory=list)
    late: bool = False


@dataclass(frozen=True, slots=True)
class _Route:
    order: int
    rule_id: str
    clause: str
    test: CompiledFilter


class RuleEngine:
    """Evaluates enabled rules over a stream of events; all state lives in ``state``."""

    def __init__(
        self,
        rules: Sequence[RuleSpec],
        *,
        aliases: Mapping[str, Sequence[str]] | None = None,
        allowed_lateness: dt.timedelta = DEFAULT_LATENESS,
        state: StateStore | None = None,
    ) -> None:
        self._lateness = seconds(allowed_lateness)
        self._store: StateStore = state if state is not None else InMemoryStore()
        self._matches: dict[str, MatchRule] = {}
        self._kinds: dict[str, StatefulKind] = {}
        self._routes: dict[Feed, list[_Route]] = {}
        self._clauses: list[_Route] = []
        for rule in rules:
            if rule.enabled:
                self._add(rule, aliases or {})
        self._index = RouteIndex(self._clauses)

    def _add(self, rule: RuleSpec, aliases: Mapping[str, Sequence[str]]) -> None:
        if isinstance(rule, MatchRule):
            self._matches[rule.id] = rule
            clauses = [("when", rule.when)]
        else:
            kind = self._kinds[rule.id] = stateful_kind(rule)
            clauses = kind.clauses()
        for clause, spec in clauses:
            compiled = compile_filter(spec, aliases=aliases)
            route = _Route(len(self._clauses), rule.id, clause, compiled)
            self._clauses.append(route)
            for feed in sorted(compiled.feeds):
                self._routes.setdefault(feed, []).append(route)

    @property
    def watermark(self) -> dt.datetime | None:
        value = self._clock().get("watermark")
        return None if value is None else to_time(value)

    def routes_for(self, feed: Feed) -> int:
        """How many rule clauses an event of ``feed`` is tested against."""
        return len(self._routes.get(feed, ()))

    def process(self, event: EventEnvelope, ctx: EvalContext = NOTHING_WATCHLISTED
                ) -> EngineResult:
        clock = self._clock()
        when = event.occurred_at.timestamp()
        if clock.get("watermark") is not None and when < clock["watermark"]:
            return EngineResult(late=True)
        findings: list[Finding] = []
        matched: list[list[str]] = []
        for route in self._index.candidates(event):
            if not route.test(event, ctx):
                continue
            if route.rule_id in self._matches:
                findings.append(match_finding(self._matches[route.rule_id], event))
            else:
                matched.append([route.rule_id, route.clause])
        if matched:
            self._hold(event, matched)
        clock["max_seen"] = max(when, clock.get("max_seen", when))
        findings += self._move_to(clock, clock["max_seen"] - self._lateness)
        return EngineResult(findings=findings)

    def advance(self, watermark: dt.datetime) -> list[Finding]:
        """Move the watermark to ``watermark`` (never back) and fire what that closes."""
        return self._move_to(self._clock(), watermark.timestamp())

    def _clock(self) -> JsonDict:
        return self._store.get(CLOCK_KEY) or {}

    def _hold(self, event: EventEnvelope, matched: list[list[str]]) -> None:
        buffer = self._store.get(BUFFER_KEY) or {}
        buffer.setdefault(event.key, {**make_entry(event), "m": matched})
        self._store.set(BUFFER_KEY, buffer)

    def _move_to(self, clock: JsonDict, watermark: float) -> list[Finding]:
        if clock.get("watermark") is not None and watermark <= clock["watermark"]:
            self._store.set(CLOCK_KEY, clock)
            return []
        clock["watermark"] = watermark
        self._store.set(CLOCK_KEY, clock)
        return self._release(watermark) + self._expire(watermark)

    def _release(self, watermark: float) -> list[Finding]:
        """Hand the held events older than ``watermark`` to their rules, oldest first."""
        buffer = self._store.get(BUFFER_KEY) or {}
        ready = sorted((e for e in buffer.values() if e["t"] < watermark), key=order_key)
        if not ready:
            return []
        for entry in ready:
            del buffer[entry["k"]]
        self._store.set(BUFFER_KEY, buffer)
        findings: list[Finding] = []
        for held in ready:
            entry = {"t": held["t"], "k": held["k"], "e": held["e"]}
            event = EventEnvelope.model_validate(entry["e"])
            groups: dict[tuple[str, str | None], list[tuple[str, Entity]]] = {}
            for rule_id, clause in held["m"]:
                findings += self._evaluate(rule_id, clause, event, entry, groups)
        return findings

    def _evaluate(self, rule_id: str, clause: str, event: EventEnvelope, entry: Entry,
                  groups: dict[tuple[str, str | None], list[tuple[str, Entity]]]
                  ) -> list[Finding]:
        """``groups`` caches the event's entity groups across the rules it matched."""
        kind = self._kinds.get(rule_id)
        if kind is None:  # the rule was removed or disabled since the event was held
            return []
        grouping = kind.grouping(clause)
        if grouping not in groups:
            groups[grouping] = group_entities(event, *grouping)
        findings: list[Finding] = []
        for key, _entity in groups[grouping]:
            state = self._store.get(_state_key(rule_id, key)) or {}
            findings += kind.apply(state, event, entry, clause=clause, key=key)
            self._save(rule_id, key, kind, state)
        return findings

    def _expire(self, watermark: float) -> list[Finding]:
        """Fire the pending absences whose deadline the watermark has passed."""
        findings: list[Finding] = []
        for rule_id, kind in self._kinds.items():
            if not kind.timed:
                continue
            deadlines = (self._store.get(_deadlines_key(rule_id)) or {}).get("keys", {})
            for key, deadline in sorted(deadlines.items(), key=lambda kv: (kv[1], kv[0])):
                if deadline < watermark:
                    state = self._store.get(_state_key(rule_id, key)) or {}
                    findings += kind.expire(state, key=key, watermark=watermark)
                    self._save(rule_id, key, kind, state)
        return findings

    def _save(self, rule_id: str, key: str, kind: StatefulKind, state: JsonDict) -> None:
        if kind.is_empty(state):
            self._store.delete(_state_key(rule_id, key))
        else:
            self._store.set(_state_key(rule_id, key), state)
        if kind.timed:
            self._note_deadline(rule_id, key, kind.deadline(state))

    def _note_deadline(self, rule_id: str, key: str, deadline: float | None) -> None:
        index = self._store.get(_deadlines_key(rule_id)) or {"keys": {}}
        if deadline is None:
            index["keys"].pop(key, None)
        else:
            index["keys"][key] = deadline
        self._store.set(_deadlines_key(rule_id), index)


def _state_key(rule_id: str, key: str) -> str:
    return f"rule/{rule_id}/{key}"


def _deadlines_key(rule_id: str) -> str:
    return f"deadlines/{rule_id}"
