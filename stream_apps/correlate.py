"""Correlation stage: valid events in; leads from the rule catalogue out (late events aside).

The rule engine (``rules.engine``) is pure; this stage gives it a state store (a Faust table
in the worker, so a restarted worker resumes its windows and pending absences), answers its
watchlist questions from Redis once per batch, turns findings into leads, and moves event
time on. The watermark is the slowest active source partition's event time minus the
allowed lateness (``source_watermarks.py``); when every source is quiet, a tick record on the
topic says how long nothing came and the watermark moves on by that much, so an absence rule
still closes at night.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fusion.contract import CANDIDATE_LEADS_TOPIC, LATE_EVENTS_TOPIC, EventEnvelope
from fusion.resolution.keys import entity_keys
from leads.building import build_lead
from leads.releasability import combine_handling
from rules.engine.compiled import EvalContext
from rules.findings import Finding
from rules.loader import RuleSet
from rules.watchlist import WatchlistEntry
from rules.watchlist_redis import WatchlistStore
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import InboundRecord, OutboundRecord
from stream_apps.rule_runtime import RuleRuntime
from stream_apps.source_watermarks import SourceWatermarks

TICK_KEY = b"tick"


def tick_record() -> tuple[bytes, bytes]:
    """The key and value of a tick: 'nothing else to say, but time has passed'."""
    return TICK_KEY, json.dumps({"tick": True}).encode()


@dataclass
class _Idle:
    last_event_at: float  # monotonic time of the last real event


class CorrelationStage:
    def __init__(
        self,
        *,
        runtime: RuleRuntime,
        watchlist: WatchlistStore,
        metrics: WorkerMetrics,
        clock: Callable[[], dt.datetime],
        sources: SourceWatermarks,
        idle_after: float = 5.0,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runtime = runtime
        self._watchlist = watchlist
        self._metrics = metrics
        self._clock = clock
        self._sources = sources
        self._idle_after = idle_after
        self._monotonic = monotonic
        self._idle = _Idle(monotonic())

    @property
    def _needs_watchlist(self) -> bool:
        return _uses_watchlist(self._runtime.rules)

    async def handle(self, records: Sequence[InboundRecord]) -> list[OutboundRecord]:
        events = [(r, EventEnvelope.model_validate_json(r.value or b""))
                  for r in records if r.origin.key != TICK_KEY]
        findings: list[Finding] = []
        out: list[OutboundRecord] = []
        listed = await self._listed_keys([e for _, e in events]) if self._needs_watchlist else {}
        wall = self._clock().timestamp()
        for record, event in events:
            self._sources.observe(record.source or record.origin.topic,
                                  event.occurred_at.timestamp(), wall)
            ctx = EvalContext(watchlisted=_checker(listed, event.occurred_at))
            result = self._runtime.engine.process(event, ctx)
            self._metrics.events_correlated.inc()
            if result.late:
                self._metrics.late_events.labels(event.feed.value).inc()
                out.append(OutboundRecord(LATE_EVENTS_TOPIC, event.key.encode(),
                                          record.value or b""))
            findings += result.findings
        now = self._monotonic()
        if events:
            self._idle.last_event_at = now
        mark = self._sources.watermark(wall)
        if mark is not None:
            findings += self._runtime.engine.advance(dt.datetime.fromtimestamp(mark, dt.UTC))
        if not events and len(records) and now - self._idle.last_event_at >= self._idle_after:
            findings += self._advance_idle(now)
        return out + self._leads(findings)

    def _advance_idle(self, now: float) -> list[Finding]:
        watermark = self._runtime.engine.watermark
        if watermark is None:
            return []
        idle = now - self._idle.last_event_at
        self._idle.last_event_at = now
        return self._runtime.engine.advance(watermark + dt.timedelta(seconds=idle))

    def _leads(self, findings: list[Finding]) -> list[OutboundRecord]:
        out = []
        now = self._clock()
        for finding in findings:
            lead = build_lead(finding, now=now)
            rule = self._runtime.rules.rule(finding.rule.rule_id)
            if rule is not None and rule.handling is not None:
                lead = lead.model_copy(
                    update={"handling": combine_handling([lead.handling, rule.handling])})
            out.append(OutboundRecord(CANDIDATE_LEADS_TOPIC, lead.lead_id.encode(),
                                      lead.model_dump_json().encode()))
            self._metrics.leads_generated.labels(lead.category).inc()
        return out

    async def _listed_keys(self, events: list[EventEnvelope]) -> dict[str, list[WatchlistEntry]]:
        keys = {k for e in events for entity in e.entities for k in entity_keys(entity)}
        return await self._watchlist.lookup(keys)


_WATCHLIST_USE: dict[str, bool] = {}


def _uses_watchlist(rules: RuleSet) -> bool:
    """Whether any rule asks about the watchlist (then each batch looks its keys up);
    worked out once per rule set."""
    if rules.digest not in _WATCHLIST_USE:
        _WATCHLIST_USE[rules.digest] = "watchlisted" in json.dumps(
            [r.model_dump(mode="json", by_alias=True) for r in rules.rules])
    return _WATCHLIST_USE[rules.digest]


def _checker(listed: dict[str, list[WatchlistEntry]], at: dt.datetime) -> Callable[[str], bool]:
    return lambda key: any(entry.active_at(at) for entry in listed.get(key, ()))
