"""The rule engine: routes events to rules, keeps event time, and fires findings (pure).

Event time: the watermark is the highest ``occurred_at`` seen minus ``allowed_lateness`` (or
a later time given to ``advance``). An event older than the watermark is late: it is not
evaluated and comes back flagged, for the caller to send to a side topic.

Order: ``match`` rules fire at once (they look at one event). Events for the stateful kinds
wait in a reorder buffer until the watermark passes them, and are then handed to the kinds
oldest first (ties by event key). So any arrival order within the lateness bound gives the
same findings, and a replay gives the same lead ids; the price is that a stateful finding
comes out up to ``allowed_lateness`` of event time after its last event. A caller whose
stream goes quiet calls ``advance`` with a watermark from its own clock. Clauses that ask
``watchlisted:`` (match rules too) are deferred: their events are held and the clause is
evaluated on release, against the watchlist as it stood at the event's time (``watch``). A
match clause that passes already when its event arrives (the entity was listed before, and
that entry has arrived) fires at once and is not fired again on release; entries arriving
later with an earlier listing time are still found on release. The built-in rule "a
watchlisted vehicle crosses at a port" (``rules.watchlist``, ``watchlist_crossings=True``)
works the same way, so watchlist hits come out as findings like any rule's, for the caller
to combine into leads with the entity's other hits.
Clauses that only extend rule state (``idle_when_empty``: later ordered steps, absence
``then``) are gated (``gates``): held as one pair, tested on release only for the rules that
hold state for the event's keys, so their cost does not grow with the catalogue.

State (see ``state``): ``engine/clock``, the reorder buffer (``buffer``), pending deadlines
(``deadlines``) and ``rule/<rule id>/<group key>``. Per event the engine writes the clock,
the held event and its index, and only the rule states that changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from fusion.contract import Entity, EventEnvelope, Feed, PoeCrossingAttributes
from fusion.resolution.keys import entity_keys
from rules.engine.buffer import Held, ReorderBuffer
from rules.engine.compiled import EvalContext
from rules.engine.compiled_rules import WATCHLIST_CROSSING, CompiledRules, Plan, Route
from rules.engine.deadlines import Deadlines
from rules.engine.expiry import expired
from rules.engine.gates import GATED, LiveStates
from rules.engine.kinds import match_finding
from rules.engine.probe import Probe
from rules.engine.state import InMemoryStore, JsonDict, StateStore
from rules.engine.watch import EventTimeWatchlist
from rules.engine.windows import group_entities, seconds, to_time
from rules.findings import Finding
from rules.language.spec import RuleSpec
from rules.watchlist import WatchlistEntry, crossing_vehicle_keys, match_crossing

DEFAULT_LATENESS = dt.timedelta(minutes=10)
NOTHING_WATCHLISTED = EvalContext()
CLOCK_KEY = "engine/clock"
RULE_PREFIX = "rule/"
REMOVED_RULE_SPAN = 30 * 86400.0  # seconds a removed rule's states are kept (its span unknown)

Groups = dict[tuple[str, str | None], list[tuple[str, Entity]]]


@dataclass(frozen=True, slots=True)
class EngineResult:
    """What one event produced: findings, or ``late=True`` when it was not evaluated."""

    findings: list[Finding] = field(default_factory=list)
    late: bool = False


class RuleEngine:
    """Evaluates enabled rules over a stream of events; all state lives in ``state``."""

    def __init__(
        self,
        rules: Sequence[RuleSpec] | CompiledRules,
        *,
        aliases: Mapping[str, Sequence[str]] | None = None,
        allowed_lateness: dt.timedelta = DEFAULT_LATENESS,
        state: StateStore | None = None,
        self_watermarking: bool = True,
        owns: Callable[[str], bool] | None = None,
        watchlist_crossings: bool = False,
    ) -> None:
        """``rules``: rule specs (compiled here, with ``aliases``) or a rule set compiled
        once (``CompiledRules``) that several engines share.

        ``self_watermarking=False``: ``process`` never moves the watermark; the caller
        does, with ``advance`` (e.g. from per-source event times).

        ``owns``: when the state is split over partitions (``partitioning``), whether this
        engine's partition owns a group key; events are applied only to the keys it owns.

        ``watchlist_crossings``: also run the built-in rule "a watchlisted vehicle crosses at
        a port" (``rules.watchlist``) on primary shares of crossings."""
        self._lateness = seconds(allowed_lateness)
        self._owns = owns
        self._self_watermarking = self_watermarking
        self._store: StateStore = state if state is not None else InMemoryStore()
        compiled = rules if isinstance(rules, CompiledRules) else CompiledRules(
            rules, aliases=aliases)
        self._compiled = compiled
        self._matches = compiled.matches
        self._kinds = compiled.kinds
        self._gates = compiled.gates
        self._index = compiled.index
        self._deferred_index = compiled.deferred_index
        self._steps = compiled.steps
        self._live = LiveStates(self._store)
        self._buffer = ReorderBuffer(self._store)
        self._watch = EventTimeWatchlist(self._store)
        self._deadlines = Deadlines(self._store, compiled.timed)
        self._crossings = watchlist_crossings

    @property
    def watermark(self) -> dt.datetime | None:
        value = self._clock().get("watermark")
        return None if value is None else to_time(value)

    @property
    def asks_watchlist(self) -> bool:
        """Whether any enabled rule has a ``watchlisted:`` clause (then a caller may answer
        them from its own watchlist through ``EvalContext``)."""
        return bool(self._compiled.deferred_tests)

    @property
    def watchlist_seeded(self) -> bool:
        """Whether this state was seeded from the watchlist's record of record."""
        return self._watch.seeded

    def seed_watchlist(self, entries: Sequence[WatchlistEntry]) -> int:
        """Apply the entries a new state must start from (the record of record's)."""
        return self._watch.seed(entries)

    def routes_for(self, feed: Feed) -> int:
        """How many rule clauses an event of ``feed`` is tested against."""
        return self._compiled.routes_for(feed)

    def process(self, event: EventEnvelope, ctx: EvalContext = NOTHING_WATCHLISTED, *,
                primary: bool = True) -> EngineResult:
        """Evaluate ``event``. ``primary=False``: this is a secondary share of an event whose
        primary share another partition evaluates, so match rules do not fire here."""
        clock = self._clock()
        when = event.occurred_at.timestamp()
        listing = event.feed is Feed.WATCHLIST
        if listing:  # applied on arrival: the state knows each entry's times
            self._watch.apply(event)
        if clock.get("watermark") is not None and when < clock["watermark"]:
            return EngineResult(late=not listing)  # an entry counts however late it is
        findings: list[Finding] = []
        matched: list[list[str]] = []
        probe = Probe(event)
        for route in self._index.passing(probe, ctx):
            match = self._matches.get(route.rule_id)
            if match is not None:
                if primary:
                    findings.append(match_finding(match, event))
            else:
                matched.append([route.rule_id, route.clause])
        if self._gates.may_open(probe):
            matched.append(GATED)
        extra: JsonDict = {}
        deferred = self._deferred_index.possible(probe)
        if deferred:
            # What the caller's context says now, kept for the evaluation at release.
            listed = sorted({key for entity in event.entities for key in entity_keys(entity)
                             if ctx.watchlisted(key)})
            extra = {"p": primary, "w": listed}
            fired = self._deferred_now(deferred, probe, event, when, listed) if primary else []
            if fired:
                findings += fired
                extra["f"] = sorted({f.rule.rule_id for f in fired})
            matched += [[r.rule_id, r.clause] for r in deferred]
        if primary and self._crossings and event.feed is Feed.POE_CROSSINGS:
            hits = self._crossing_hits(event, when, fired=())
            findings += hits
            extra["c"] = sorted(_entry_ids(hits))
            matched.append(WATCHLIST_CROSSING)
        if matched:
            self._buffer.hold(event, when, event.key, matched, extra or None)
        seen: float | None = clock.get("max_seen")
        moved = seen is None or when > seen
        if moved:
            clock["max_seen"] = when
        top = when if seen is None or moved else seen
        if self._self_watermarking:
            findings += self._move_to(clock, top - self._lateness, changed=moved)
        elif moved:
            self._store.set(CLOCK_KEY, clock)
        return EngineResult(findings=findings)

    def advance(self, watermark: dt.datetime) -> list[Finding]:
        """Move the watermark to ``watermark`` (never back) and fire what that closes."""
        return self._move_to(self._clock(), watermark.timestamp(), changed=False)

    def _clock(self) -> JsonDict:
        return self._store.get(CLOCK_KEY) or {}

    def _move_to(self, clock: JsonDict, watermark: float, *, changed: bool) -> list[Finding]:
        if clock.get("watermark") is not None and watermark <= clock["watermark"]:
            if changed:
                self._store.set(CLOCK_KEY, clock)
            return []
        clock["watermark"] = watermark
        self._store.set(CLOCK_KEY, clock)
        return self._release(watermark) + self._expire(watermark)

    def _release(self, watermark: float) -> list[Finding]:
        """Hand the held events older than ``watermark`` to their rules, oldest first."""
        findings: list[Finding] = []
        steps, get, owns = self._steps, self._store.get, self._owns
        for held in self._buffer.release(watermark):
            groups: Groups = {}  # the event's entity groups, shared by the rules it matched
            probe: Probe | None = None
            matched = held.matched
            if GATED in matched:
                probe = Probe(held.event)
                matched = self._gates.open(matched, probe, groups, self._live)
            event, entry = held.event, held.entry
            for rule_id, clause in matched:
                step = steps.get((rule_id, clause))
                if step is None:  # the rule was removed or disabled since the event was held
                    continue
                if step.crossing:
                    findings += self._crossing_hits(event, float(held.entry["t"]),
                                                    fired=(held.extra or {}).get("c", ()))
                    continue
                if step.deferred is not None:
                    probe = probe or Probe(event)
                    if not step.deferred.where(probe, self._watch_context(held)):
                        continue
                    if step.match is not None:
                        extra = held.extra or {}
                        if extra.get("p", True) and rule_id not in extra.get("f", ()):
                            findings.append(match_finding(step.match, event))
                        continue
                plan = step.plan
                if plan is None:
                    if step.watch:
                        self._watch.apply(event)
                    continue
                members = groups.get(plan.grouping)
                if members is None:
                    members = groups[plan.grouping] = group_entities(event, *plan.grouping)
                for key, _entity in members:
                    if owns is not None and not owns(key):
                        continue  # another partition keeps this key's state
                    stored = get(plan.prefix + key)
                    if stored is None and plan.idle:
                        continue  # nothing to extend, and this clause starts nothing
                    state = {} if stored is None else stored
                    fired = plan.kind.apply(state, event, entry, clause=clause, key=key)
                    if fired:
                        findings += fired
                    self._save(rule_id, key, plan, state, stored is not None)
        return findings

    def _deferred_now(self, deferred: Sequence[Route], probe: Probe, event: EventEnvelope,
                      when: float, listed: Sequence[str]) -> list[Finding]:
        """The deferred match clauses that pass already: listed here at the event's time (or
        in the caller's context now)."""
        then = frozenset(listed)
        ctx = EvalContext(watchlisted=lambda key: key in then or self._watch.listed(key, when))
        fired = []
        for route in deferred:
            match = self._matches.get(route.rule_id)
            if match is not None and route.test.where(probe, ctx):
                fired.append(match_finding(match, event))
        return fired

    def _crossing_hits(self, event: EventEnvelope, when: float,
                       fired: Collection[str]) -> list[Finding]:
        """The built-in crossing rule: one finding per entry listing one of the crossing's
        vehicles at its time, but those in ``fired`` (found when the crossing arrived)."""
        entries = self._watch.entries_at(crossing_vehicle_keys(event), when)
        if fired:
            entries = {key: kept for key, some in entries.items()
                       if (kept := [e for e in some if e.store_id not in fired])}
        if not entries:
            return []
        attributes = PoeCrossingAttributes.model_validate(event.attributes)
        return match_crossing(event, attributes, entries)

    def _watch_context(self, held: Held) -> EvalContext:
        """``watchlisted:`` for a released event: listed at its event time here, or listed
        in the caller's context when it arrived (``watch``)."""
        at = float(held.entry["t"])
        then = frozenset((held.extra or {}).get("w", ()))
        return EvalContext(watchlisted=lambda key: key in then or self._watch.listed(key, at))

    def sweep(self, *, removed_rule_span: float = REMOVED_RULE_SPAN) -> int:
        """Delete the rule states nothing can use any more at the current watermark (their
        newest time plus the rule's span lies before it, ``expiry``), so the state of keys
        that went quiet is given back; returns how many went. States of rules no longer in
        the rule set go after ``removed_rule_span`` seconds. Changes no finding: an event
        the watermark still admits could not join any entry of a deleted state."""
        return self.sweep_names(list(self._store.keys()), removed_rule_span=removed_rule_span)

    def sweep_names(self, names: Iterable[str], *,
                    removed_rule_span: float = REMOVED_RULE_SPAN) -> int:
        """``sweep`` over the given state names only (others are skipped): a caller that
        must not hold its event loop for a whole sweep gives a slice of the names at a time."""
        watermark = self._clock().get("watermark")
        if watermark is None:
            return 0
        gone = 0
        for name in names:
            if not name.startswith(RULE_PREFIX):
                continue
            rule_id, _, key = name[len(RULE_PREFIX):].partition("/")
            kind = self._kinds.get(rule_id)
            span = kind.span if kind is not None else removed_rule_span
            state = self._store.get(name)
            if state is None or not expired(state, span=span, watermark=watermark):
                continue
            self._store.delete(name)
            self._live.note(rule_id, key, present=False)
            if kind is not None and kind.timed:
                self._deadlines.note(rule_id, key, None)
            gone += 1
        return gone

    def _expire(self, watermark: float) -> list[Finding]:
        """Fire the pending absences whose deadline the watermark has passed."""
        findings: list[Finding] = []
        for rule_id, key in self._deadlines.due(watermark):
            kind = self._kinds[rule_id]
            stored = self._store.get(f"rule/{rule_id}/{key}")
            state = {} if stored is None else stored
            findings += kind.expire(state, key=key, watermark=watermark)
            plan = Plan(kind, ("", None), idle=False, prefix=f"rule/{rule_id}/")
            self._save(rule_id, key, plan, state, stored is not None)
        return findings

    def _save(self, rule_id: str, key: str, plan: Plan, state: JsonDict, existed: bool
              ) -> None:
        kind = plan.kind
        if kind.is_empty(state):
            if existed:
                self._store.delete(plan.prefix + key)
                self._live.note(rule_id, key, present=False)
        else:
            self._store.set(plan.prefix + key, state)
            if not existed:
                self._live.note(rule_id, key, present=True)
        if kind.timed:  # writes only when the deadline changed
            self._deadlines.note(rule_id, key, kind.deadline(state))


def _entry_ids(findings: Sequence[Finding]) -> set[str]:
    """The watchlist entries the crossing rule's findings name (anchor ``watchlist:<id>``)."""
    return {anchor.removeprefix("watchlist:") for f in findings for anchor in f.anchors
            if anchor.startswith("watchlist:")}
