"""``fusion rules backtest``: replay retained feed events through two rule sets and compare
the leads they make (pure: no Kafka, no clock).

``replay(events, ruleset)`` runs one ``RuleEngine`` over the events in event-time order
(``occurred_at``, ties by event key; an event key seen twice counts once), then advances the
watermark past the last event by the longest rule span so that absence rules and the
reorder buffer close. Every finding becomes a lead with ``build_lead``, whose id depends only
on the rule id and the anchors, so the same activity has the same id under both rule sets.
``compare(current, candidate)`` sorts the lead ids into lost, new and same, per rule too.

``EventCollector`` decodes raw records for the Kafka reader in ``cli.commands.rules_cmd``
(the I/O edge): it keeps every valid event in memory, because the replay must sort them by
event time before the first one is evaluated. That costs roughly the JSON size of each event
again as Python objects (a few KB per event); ``max_events`` caps it.

Limits: watchlist predicates see an empty watchlist (``ctx`` defaults to nothing watchlisted;
the watchlist of the past is not replayed), and nothing is sent anywhere.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from fusion.contract import EventEnvelope, Rejection, decode_event
from leads.building import build_lead
from rules.engine import DEFAULT_LATENESS, RuleEngine
from rules.engine.compiled import EvalContext
from rules.findings import Finding
from rules.language.spec import RuleSpec
from rules.loader import RuleSet

NOTHING_WATCHLISTED = EvalContext()


@dataclass(frozen=True, slots=True)
class LeadSummary:
    """What a backtest keeps of a lead: enough to name it and find its evidence."""

    lead_id: str
    rule_id: str
    rule_version: int
    title: str
    first_event_at: dt.datetime
    last_event_at: dt.datetime
    anchors: tuple[str, ...]

    def to_json(self) -> dict[str, Any]:
        return {"lead_id": self.lead_id, "rule_id": self.rule_id,
                "rule_version": self.rule_version, "title": self.title,
                "first_event_at": self.first_event_at.isoformat(),
                "last_event_at": self.last_event_at.isoformat(),
                "anchors": list(self.anchors)}


@dataclass(frozen=True, slots=True)
class RuleCounts:
    """Leads of one rule id under each rule set, and how many only one of them makes."""

    rule_id: str
    current: int
    candidate: int
    lost: int
    new: int

    def to_json(self) -> dict[str, Any]:
        return {"rule_id": self.rule_id, "current": self.current, "candidate": self.candidate,
                "lost": self.lost, "new": self.new}


@dataclass(frozen=True, slots=True)
class BacktestDiff:
    """Leads only the current set makes (lost), only the candidate makes (new), and both
    make (same, as the candidate made them); each sorted by first event time, then id."""

    lost: tuple[LeadSummary, ...]
    new: tuple[LeadSummary, ...]
    same: tuple[LeadSummary, ...]
    rules: tuple[RuleCounts, ...]

    @property
    def changed(self) -> bool:
        return bool(self.lost or self.new)

    def to_json(self) -> dict[str, Any]:
        return {"totals": {"current": len(self.lost) + len(self.same),
                           "candidate": len(self.new) + len(self.same),
                           "lost": len(self.lost), "new": len(self.new), "same": len(self.same)},
                "rules": [r.to_json() for r in self.rules],
                "lost": [s.to_json() for s in self.lost],
                "new": [s.to_json() for s in self.new],
                "same": [s.to_json() for s in self.same]}


def replay(events: Iterable[EventEnvelope], rules: RuleSet, *,
           ctx: EvalContext = NOTHING_WATCHLISTED,
           allowed_lateness: dt.timedelta = DEFAULT_LATENESS) -> dict[str, LeadSummary]:
    """The leads ``rules`` make from ``events``, by lead id; the input order does not matter."""
    ordered = _in_event_time(events)
    engine = RuleEngine(rules.rules, aliases=rules.aliases, allowed_lateness=allowed_lateness)
    findings: list[Finding] = []
    for event in ordered:
        result = engine.process(event, ctx)
        findings += result.findings  # never late: the events come oldest first
    if ordered:
        span = max((rule_span(r) for r in rules.rules if r.enabled), default=dt.timedelta(0))
        findings += engine.advance(ordered[-1].occurred_at + span + dt.timedelta(seconds=1))
    leads: dict[str, LeadSummary] = {}
    for finding in findings:
        summary = summarize(finding)
        leads.setdefault(summary.lead_id, summary)
    return leads


def summarize(finding: Finding) -> LeadSummary:
    """The summary of the lead ``build_lead`` makes of ``finding`` (``now`` is its last event
    time: the summary keeps no generation time, and the replay reads no clock)."""
    last = max(e.occurred_at for e in finding.evidence)
    lead = build_lead(finding, now=last)
    return LeadSummary(lead_id=lead.lead_id, rule_id=finding.rule.rule_id,
                       rule_version=finding.rule.version, title=lead.title,
                       first_event_at=lead.first_event_at, last_event_at=lead.last_event_at,
                       anchors=tuple(sorted(set(finding.anchors))))


def compare(current: Mapping[str, LeadSummary], candidate: Mapping[str, LeadSummary], *,
            rule_ids: Iterable[str] = ()) -> BacktestDiff:
    """Lost, new and same leads by id, and counts per rule: every rule id of either side's
    leads, plus ``rule_ids`` (to list rules that made no lead at all)."""
    lost = _ordered(s for lead_id, s in current.items() if lead_id not in candidate)
    new = _ordered(s for lead_id, s in candidate.items() if lead_id not in current)
    same = _ordered(s for lead_id, s in candidate.items() if lead_id in current)
    counts = {name: Counter(s.rule_id for s in group) for name, group in
              (("current", current.values()), ("candidate", candidate.values()),
               ("lost", lost), ("new", new))}
    ids = sorted(set(rule_ids) | set(counts["current"]) | set(counts["candidate"]))
    rows = tuple(RuleCounts(rule_id=r, current=counts["current"][r],
                            candidate=counts["candidate"][r], lost=counts["lost"][r],
                            new=counts["new"][r]) for r in ids)
    return BacktestDiff(lost=lost, new=new, same=same, rules=rows)


@dataclass
class EventCollector:
    """Decodes records as the reader fetches them: valid events are kept (at most
    ``max_events``), invalid ones only counted by dead-letter reason."""

    max_events: int
    events: list[EventEnvelope] = field(default_factory=list)
    records: int = 0
    invalid: Counter[str] = field(default_factory=Counter)

    @property
    def full(self) -> bool:
        return len(self.events) >= self.max_events

    def add(self, value: bytes | None, *, topic: str) -> None:
        self.records += 1
        decoded = decode_event(value, topic=topic)
        if isinstance(decoded, Rejection):
            self.invalid[decoded.reason.value] += 1
        else:
            self.events.append(decoded.envelope)


def _in_event_time(events: Iterable[EventEnvelope]) -> list[EventEnvelope]:
    """Oldest first, ties by key; of two events with one key, the older is kept."""
    unique: dict[str, EventEnvelope] = {}
    for event in sorted(events, key=lambda e: (e.occurred_at, e.key)):
        unique.setdefault(event.key, event)
    return list(unique.values())


def rule_span(rule: RuleSpec) -> dt.timedelta:
    """How far a rule looks across event time (``within`` or ``window``; 0 for ``match``)."""
    span = getattr(rule, "within", None) or getattr(rule, "window", None)
    return span if isinstance(span, dt.timedelta) else dt.timedelta(0)


def _ordered(summaries: Iterable[LeadSummary]) -> tuple[LeadSummary, ...]:
    return tuple(sorted(summaries, key=lambda s: (s.first_event_at, s.lead_id)))
