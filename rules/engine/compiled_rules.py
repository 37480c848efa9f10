"""A rule set compiled and indexed once, for every engine that runs it (pure, holds no state).

Compiling a rule set (filters, kinds, the route index, the gates, the deferred clauses and the
plan of each ``[rule id, clause]`` pair) is the costly part of building an engine: about a
second for 1,000 rules. None of it depends on an engine's state, so the stream stage compiles
a rule set once and each partition's engine (a *lane*) runs on it with its own store; a
worker holding four partitions keeps one copy of the compiled rules, not four, which is also
four times fewer long-lived objects for the garbage collector to walk. The route index's
memo of merged candidates (``filing``) is shared too: it only caches.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from fusion.contract import Feed
from rules.engine.compiled import CompiledFilter, compile_filter
from rules.engine.gates import Gates
from rules.engine.index import RouteIndex
from rules.engine.kinds import StatefulKind, stateful_kind
from rules.engine.watch import asks_watchlist
from rules.language.spec import MatchRule, RuleSpec

WATCHLIST_ENTRY = ["", "watchlist-entry"]  # held before entries were applied on arrival
WATCHLIST_CROSSING = ["", "watchlist-crossing"]  # the built-in crossing rule, checked again


@dataclass(frozen=True, slots=True)
class Route:
    order: int
    rule_id: str
    clause: str
    test: CompiledFilter


@dataclass(frozen=True, slots=True)
class Plan:
    """How a held event that passed one clause of a stateful rule is applied."""

    kind: StatefulKind
    grouping: tuple[str, str | None]
    idle: bool
    prefix: str


@dataclass(frozen=True, slots=True)
class Step:
    """What releasing an event does for one ``[rule id, clause]`` pair it was held with, worked
    out once per rule set so a release looks each pair up once."""

    plan: Plan | None = None
    deferred: CompiledFilter | None = None
    """The clause asks ``watchlisted:``: tested at release (``watch``)."""
    match: MatchRule | None = None
    """A match rule's deferred clause: fires on its own, there is no state to apply."""
    watch: bool = False
    """A watchlist entry, applied to the event-time watchlist."""
    crossing: bool = False
    """A crossing, checked again on release by the built-in watchlist crossing rule."""


class CompiledRules:
    """The enabled rules of a rule set, compiled: what ``RuleEngine`` routes events by."""

    def __init__(self, rules: Sequence[RuleSpec], *,
                 aliases: Mapping[str, Sequence[str]] | None = None) -> None:
        self.matches: dict[str, MatchRule] = {}
        self.kinds: dict[str, StatefulKind] = {}
        self.plans: dict[tuple[str, str], Plan] = {}
        self.routes: dict[Feed, list[Route]] = {}
        self._clauses: list[Route] = []
        self.deferred: dict[Feed, list[Route]] = {}  # clauses asking watchlisted: (watch.py)
        self.deferred_tests: dict[tuple[str, str], CompiledFilter] = {}
        for rule in rules:
            if rule.enabled:
                self._add(rule, aliases or {})
        plans = self.plans  # idle-when-empty clauses are routed by live state (gates.py)
        self.gates = Gates(self._clauses, gate=lambda r: (
            p.grouping if (p := plans.get((r.rule_id, r.clause))) and p.idle else None))
        self.index = RouteIndex(self.gates.ungated)
        self.deferred_index = RouteIndex(r for some in self.deferred.values() for r in some)
        self.timed = [rule_id for rule_id, kind in self.kinds.items() if kind.timed]
        self.steps = self._plan_steps()

    def _add(self, rule: RuleSpec, aliases: Mapping[str, Sequence[str]]) -> None:
        if isinstance(rule, MatchRule):
            self.matches[rule.id] = rule
            clauses = [("when", rule.when)]
        else:
            kind = self.kinds[rule.id] = stateful_kind(rule)
            clauses = kind.clauses()
            for clause, _spec in clauses:
                self.plans[(rule.id, clause)] = Plan(
                    kind, kind.grouping(clause), kind.idle_when_empty(clause), f"rule/{rule.id}/")
        for clause, spec in clauses:
            compiled = compile_filter(spec, aliases=aliases)
            if asks_watchlist(spec):  # evaluated when released, against event-time entries
                self.deferred_tests[(rule.id, clause)] = compiled
                for feed in sorted(compiled.feeds):
                    self.deferred.setdefault(feed, []).append(
                        Route(len(self.deferred_tests), rule.id, clause, compiled))
                continue
            route = Route(len(self._clauses), rule.id, clause, compiled)
            self._clauses.append(route)
            for feed in sorted(compiled.feeds):
                self.routes.setdefault(feed, []).append(route)

    def _plan_steps(self) -> dict[tuple[str, str], Step]:
        steps = {(WATCHLIST_ENTRY[0], WATCHLIST_ENTRY[1]): Step(watch=True),
                 (WATCHLIST_CROSSING[0], WATCHLIST_CROSSING[1]): Step(crossing=True)}
        for pair in set(self.plans) | set(self.deferred_tests):
            steps[pair] = Step(plan=self.plans.get(pair), deferred=self.deferred_tests.get(pair),
                               match=self.matches.get(pair[0]))
        return steps

    def routes_for(self, feed: Feed) -> int:
        """How many rule clauses an event of ``feed`` is tested against."""
        return len(self.routes.get(feed, ())) + len(self.deferred.get(feed, ()))
