"""Correlation stage: valid events in; leads from the rule catalogue out (late events aside).

The rule engine (``rules.engine``) is pure; this stage runs one engine per partition of the
correlation topic (a *lane*), each over its own slice of the state (``PartitionStore`` in the
worker, so a restarted or rebalanced worker resumes that partition's windows and pending
absences) and owning only the group keys of its partition (``rules.engine.partitioning``).
The watchlist is the engines' own, in event time (``rules.engine.watch``: entries are
broadcast to every partition and applied as they arrive); a lane whose state has never had
one is seeded once from the watchlist's record of record (``seed``). Watchlist hits (the
built-in crossing rule and ``watchlisted:`` clauses) are findings like any other. Per batch
the stage feeds each lane its records, turns findings into leads (hits on one entity
combined into one lead, revised as hits arrive), and moves each lane's event time on. A lane's
watermark is the slowest active source partition's event time minus the allowed lateness
(``source_watermarks.py``), learnt from its events and from the intake's progress records;
when every source is quiet, a tick record says how long nothing came and the watermark moves
on by that much, so an absence rule still closes at night (``progress.py``).
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    DEAD_LETTER_TOPIC,
    LATE_EVENTS_TOPIC,
    DeadLetterReason,
    EventEnvelope,
    Feed,
    FieldError,
    Rejection,
)
from fusion.recent_ids import RecentIds
from leads.building import build_lead
from leads.recent_hits import combine_recent, expired, keyed
from leads.releasability import combine_handling
from rules.engine import RuleEngine, StateStore
from rules.engine.partitioning import KeyOwner
from rules.findings import Finding
from rules.watchlist import WatchlistEntry
from stream_apps.dead_letters import dead_letter, dead_letter_key
from stream_apps.decoded_events import DecodedEvents
from stream_apps.metrics import WorkerMetrics
from stream_apps.progress import PROGRESS_KEY, TICK_KEY, Progress, read_progress
from stream_apps.records import LATE_PARTITION_HEADER, InboundRecord, OutboundRecord
from stream_apps.rule_runtime import RuleRuntime
from stream_apps.share_packs import decode as decode_pack
from stream_apps.share_packs import is_pack
from stream_apps.source_watermarks import SourceWatermarks

log = logging.getLogger(__name__)
HELD_REPORT_EVERY = 10.0  # seconds between log lines saying event time waits for a source
SWEEP_SLICE = 5000  # state names a sweep looks at per batch
# A share of an event the lane correlated within this many seconds is a repeat (the intake
# read its record again after its group rebalanced, or a batch was sent twice): dropped,
# not taken for late. About 100 bytes an event, at most TAKEN_MAX_IDS per lane.
TAKEN_HORIZON = 120.0  # a batch read again comes within a rebalance, seconds later
TAKEN_MAX_IDS = 100_000
HITS_PREFIX = "hits/"  # the recent hits of one group key (leads.recent_hits)


@dataclass
class _Lane:
    """One correlation partition: its engine (rebuilt when the rule set changes), its
    sources' event times and when it last saw an event (monotonic seconds)."""

    partition: int
    store: StateStore
    engine: RuleEngine
    digest: str
    sources: SourceWatermarks
    last_event_at: float
    swept_at: float = 0.0  # monotonic time the last sweep began
    to_sweep: list[str] = field(default_factory=list)  # state names the sweep has yet to see
    taken: RecentIds = field(default_factory=lambda: RecentIds(
        horizon=TAKEN_HORIZON, max_ids=TAKEN_MAX_IDS))  # events correlated lately
    reported_at: float = 0.0  # monotonic time event time was last reported held


class CorrelationStage:
    def __init__(
        self,
        *,
        runtime: RuleRuntime,
        seed: Callable[[], Awaitable[Sequence[WatchlistEntry]]],
        metrics: WorkerMetrics,
        clock: Callable[[], dt.datetime],
        store_for: Callable[[int], StateStore],
        partitions: int,
        idle_after: float = 5.0,
        sweep_every: float = 60.0,
        monotonic: Callable[[], float] = time.monotonic,
        decoded: DecodedEvents | None = None,
    ) -> None:
        """``seed``: the entries of the watchlist's record of record, for a lane whose state
        was never seeded. ``decoded``: envelopes this worker's intake validated already
        (None: decode every share from its bytes)."""
        # not `decoded or ...`: an empty DecodedEvents is falsy (it has __len__)
        self._decoded = decoded if decoded is not None else DecodedEvents(capacity=0)
        self._runtime = runtime
        self._seed = seed
        self._metrics = metrics
        self._clock = clock
        self._store_for = store_for
        self._partitions = partitions
        self._idle_after = idle_after
        self._sweep_every = sweep_every
        self._monotonic = monotonic
        self._lanes: dict[int, _Lane] = {}

    def forget(self, partitions: Sequence[int]) -> None:
        """Drop the lanes of partitions this worker no longer holds (after a rebalance); a
        lane is rebuilt from the recovered table when its partition comes back."""
        for partition in partitions:
            self._lanes.pop(partition, None)

    async def handle(self, records: Sequence[InboundRecord]) -> list[OutboundRecord]:
        by_lane: dict[int, list[tuple[InboundRecord, EventEnvelope]]] = {}
        ticked: set[int] = set()
        progress: dict[int, list[Progress]] = {}
        out: list[OutboundRecord] = []
        for record in records:
            partition = record.origin.partition
            if record.origin.key == TICK_KEY:
                ticked.add(partition)
            elif is_pack(record.value):
                self._unpack(record, by_lane.setdefault(partition, []),
                             progress.setdefault(partition, []), out)
            elif record.origin.key == PROGRESS_KEY:  # written before share packs
                progress.setdefault(partition, []).append(read_progress(record.value))
            else:  # one share per record, written before share packs
                event = EventEnvelope.model_validate_json(record.value or b"")
                by_lane.setdefault(partition, []).append((record, event))
        progress = {p: reports for p, reports in progress.items() if reports}
        by_lane = {p: items for p, items in by_lane.items() if items}
        wall = self._clock().timestamp()
        now = self._monotonic()
        lanes = [self._lane(p, now) for p in sorted(by_lane.keys() | ticked | progress.keys())]
        unseeded = [lane for lane in lanes if not lane.engine.watchlist_seeded]
        if unseeded:
            entries = await self._seed()
            for lane in unseeded:
                count = lane.engine.seed_watchlist(entries)
                log.info("partition %d: event-time watchlist seeded with %d entries from its "
                         "record of record", lane.partition, count)
        leads: list[OutboundRecord] = []
        for lane in lanes:
            findings: list[Finding] = []
            partition = lane.partition
            # A batch's watchlist entries first: they apply by their own event time anyway,
            # and a crossing in the same batch then finds its listing on arrival.
            items = sorted(by_lane.get(partition, []),
                           key=lambda item: item[1].feed is not Feed.WATCHLIST)
            for sources, behind, at in progress.get(partition, ()):
                for source, event_time in sources.items():
                    lane.sources.observe(source, event_time, wall, behind=source in behind,
                                         reported=at)
                for source in behind - sources.keys():  # a backlog, maybe not read at all yet
                    lane.sources.observe(source, None, wall, behind=True, reported=at)
            for record, event in items:
                if lane.taken.again(event.key, now=wall):  # delivered again: taken already
                    self._metrics.shares_repeated.inc()
                    continue
                lane.sources.observe(record.source or record.origin.topic,
                                     event.occurred_at.timestamp(), wall)
                result = lane.engine.process(event, primary=record.primary)
                if record.primary:
                    self._metrics.events_correlated.inc()
                if result.late:  # per share: another partition may have taken the event
                    out.append(OutboundRecord(
                        LATE_EVENTS_TOPIC, event.key.encode(), record.value or b"",
                        ((LATE_PARTITION_HEADER, str(partition).encode()),),
                        counts=(self._metrics.late_events.labels(event.feed.value),)))
                findings += result.findings
            findings += self._advance(lane, wall, now,
                                      idle=not items and partition not in progress)
            leads += self._leads(lane, findings)
            self._sweep(lane, now)
        return out + leads

    def _unpack(self, record: InboundRecord, items: list[tuple[InboundRecord, EventEnvelope]],
                reports: list[Progress], out: list[OutboundRecord]) -> None:
        """A share pack's shares (their envelopes from the intake of this worker when it
        has them) and its progress; one that cannot be read becomes a dead letter (only the
        worker writes these records: it would be a bug)."""
        try:
            pack = decode_pack(record.value or b"")
        except ValueError as exc:
            log.error("unreadable share pack at %s[%d]@%d sent to the dead-letter topic: %s",
                      record.origin.topic, record.origin.partition, record.origin.offset, exc)
            rejection = Rejection(DeadLetterReason.PROCESSING_ERROR, (FieldError(
                field="", problem="unreadable_share_pack", message=str(exc)[:500]),))
            out.append(OutboundRecord(
                DEAD_LETTER_TOPIC, dead_letter_key(record.origin), dead_letter(
                    rejection, value=record.value, origin=record.origin,
                    now=self._clock()).model_dump_json().encode(),
                counts=(self._metrics.dead_letters.labels(rejection.reason.value),)))
            return
        hits, misses = self._decoded.hits, self._decoded.misses
        for share in pack.shares:
            event = self._decoded.take((share.source, share.offset), share.value)
            items.append((InboundRecord(record.origin, share.value, share.source,
                                        share.primary), event))
        self._metrics.shares_decoded.labels("reused").inc(self._decoded.hits - hits)
        self._metrics.shares_decoded.labels("parsed").inc(self._decoded.misses - misses)
        if pack.progress is not None:
            reports.append(pack.progress)

    def _lane(self, partition: int, now: float) -> _Lane:
        lane = self._lanes.get(partition)
        digest = self._runtime.rules.digest
        if lane is None:
            store = self._store_for(partition)
            lane = self._lanes[partition] = _Lane(
                partition, store, self._engine(store, partition), digest,
                SourceWatermarks(idle_after=self._idle_after,
                                 lateness=self._runtime.lateness.total_seconds()),
                last_event_at=now)
        elif lane.digest != digest:  # a new rule set was published: same state, new rules
            lane.engine, lane.digest = self._engine(lane.store, partition), digest
        return lane

    def _engine(self, store: StateStore, partition: int) -> RuleEngine:
        return self._runtime.engine_for(store, KeyOwner(partition, self._partitions))

    def _advance(self, lane: _Lane, wall: float, now: float, *, idle: bool) -> list[Finding]:
        """Move the lane's watermark: by its sources' event times; or, when nothing came to
        it for ``idle_after`` seconds and a tick says time has passed, by that much."""
        findings: list[Finding] = []
        if not idle:
            lane.last_event_at = now
        mark = lane.sources.watermark(wall)
        if mark is None and now - lane.reported_at >= HELD_REPORT_EVERY:
            waiting = lane.sources.waiting_for(wall)
            if waiting:
                lane.reported_at = now
                log.info("partition %d: event time waits for sources not read yet: %s",
                         lane.partition, ", ".join(waiting))
        if mark is not None:
            findings += lane.engine.advance(dt.datetime.fromtimestamp(mark, dt.UTC))
        if idle and now - lane.last_event_at >= self._idle_after:
            watermark = lane.engine.watermark
            if watermark is not None:
                findings += lane.engine.advance(
                    watermark + dt.timedelta(seconds=now - lane.last_event_at))
            lane.last_event_at = now
        watermark = lane.engine.watermark
        if watermark is not None:
            self._metrics.event_time_lag.labels(str(lane.partition)).set(
                wall - watermark.timestamp())
        return findings

    def _sweep(self, lane: _Lane, now: float) -> None:
        """Every ``sweep_every`` seconds, drop the recent hits of keys whose latest lead can
        no longer grow (``leads.recent_hits.expired``) and the rule states nothing can use
        any more (``RuleEngine.sweep_names``), so the state of quiet keys is given back.
        A sweep looks at ``SWEEP_SLICE`` state names per batch until it has seen them all:
        walked at once, a few hundred thousand states held the event loop for seconds
        (heartbeats missed, a rebalance, sources taken for idle)."""
        watermark = lane.engine.watermark
        if watermark is None:
            return
        if not lane.to_sweep:
            if now - lane.swept_at < self._sweep_every:
                return
            lane.swept_at = now
            lane.to_sweep = list(lane.store.keys())
        names = lane.to_sweep[-SWEEP_SLICE:]
        del lane.to_sweep[-SWEEP_SLICE:]
        mark = watermark.timestamp()
        for key in names:
            if key.startswith(HITS_PREFIX):
                state = lane.store.get(key)
                if state is not None and expired(state, mark):
                    lane.store.delete(key)
        gone = lane.engine.sweep_names(names)
        if gone:
            self._metrics.states_expired.inc(gone)

    def _leads(self, lane: _Lane, findings: list[Finding]) -> list[OutboundRecord]:
        """Leads for the lane's findings: hits on one entity combine into one lead with the
        hits of that entity's latest lead, kept in the lane's state (``leads.recent_hits``);
        a hit with no entity key stands alone."""
        if not findings:
            return []
        now = self._clock()
        by_key, alone = keyed(findings)
        leads = [build_lead(finding, now=now) for finding in alone]
        for key, hits in by_key.items():
            state, changed = combine_recent(lane.store.get(HITS_PREFIX + key), hits, now=now)
            lane.store.set(HITS_PREFIX + key, state)
            leads += changed
        out = []
        for lead in leads:
            overrides = [rule.handling for hit in lead.rule_hits
                         if (rule := self._runtime.rules.rule(hit.rule_id)) is not None
                         and rule.handling is not None]
            if overrides:
                lead = lead.model_copy(
                    update={"handling": combine_handling([lead.handling, *overrides])})
            out.append(OutboundRecord(
                CANDIDATE_LEADS_TOPIC, lead.lead_id.encode(), lead.model_dump_json().encode(),
                counts=(self._metrics.leads_generated.labels(lead.category),)))  # once sent
        return out
