"""Intake stage: feed records in; dead letters, watchlist changes, candidate leads and the
valid events for correlation out (one share per correlation partition that owns one of the
event's group keys: ``rules.engine.partitioning``).

Per batch: decode and validate every record (pure), apply watchlist changes to Redis in one
transaction, look up every crossing's vehicle keys in one round trip, run the rule (pure) and
build leads (pure). A record that fails for an unexpected reason becomes a dead letter too:
one bad record never stops the worker.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from adapters.redis.watchlist_store import WatchlistStore
from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_PARTITIONS,
    CORRELATION_TOPIC,
    DEAD_LETTER_TOPIC,
    WATCHLIST_STATE_TOPIC,
    DeadLetterReason,
    EventEnvelope,
    FieldError,
    PoeCrossingAttributes,
    Rejection,
    WatchlistAttributes,
    decode_event,
)
from leads.building import build_lead
from rules.engine.partitioning import shares
from rules.watchlist import WatchlistEntry, crossing_vehicle_keys, entry_from_event, match_crossing
from stream_apps.dead_letters import dead_letter
from stream_apps.metrics import WorkerMetrics
from stream_apps.progress import progress_records
from stream_apps.records import SHARE_HEADER, SOURCE_HEADER, InboundRecord, OutboundRecord

log = logging.getLogger(__name__)


@dataclass
class _Batch:
    out: list[OutboundRecord] = field(default_factory=list)
    crossings: list[tuple[InboundRecord, EventEnvelope, PoeCrossingAttributes]] = field(
        default_factory=list)
    watchlist: list[tuple[str, WatchlistEntry]] = field(default_factory=list)
    progress: dict[str, float] = field(default_factory=dict)  # source -> highest event time


class IntakeStage:
    def __init__(
        self, *, watchlist: WatchlistStore, metrics: WorkerMetrics,
        clock: Callable[[], dt.datetime], watchlist_topic: str = WATCHLIST_STATE_TOPIC,
    ) -> None:
        """``watchlist_topic``: where each applied watchlist change is recorded (the
        watchlist's system of record; Redis is rebuilt from it)."""
        self._watchlist = watchlist
        self._watchlist_topic = watchlist_topic
        self._metrics = metrics
        self._clock = clock

    async def handle(self, records: Sequence[InboundRecord],
                     behind: Collection[str] = ()) -> list[OutboundRecord]:
        """Everything to publish for ``records``: dead letters, candidate leads and event
        shares in order, then a progress record per correlation partition
        (``stream_apps.progress``); ``behind``: the sources (``topic:partition``) with
        records after this batch's."""
        batch = _Batch()
        for record in records:
            self._classify(record, batch)
        await self._watchlist.apply(batch.watchlist)
        for action, _ in batch.watchlist:
            self._metrics.watchlist_changes.labels(action).inc()
        if batch.crossings:
            await self._match(batch)
        return batch.out + progress_records(batch.progress, behind,
                                            at=self._clock().timestamp())

    def _classify(self, record: InboundRecord, batch: _Batch) -> None:
        try:
            decoded = decode_event(record.value, topic=record.origin.topic)
            if isinstance(decoded, Rejection):
                self._reject(record, decoded, batch)
                return
            self._metrics.events_valid.labels(decoded.envelope.feed.value).inc()
            source = f"{record.origin.topic}:{record.origin.partition}"
            when = decoded.envelope.occurred_at.timestamp()
            batch.progress[source] = max(when, batch.progress.get(source, when))
            for share in shares(decoded.envelope, CORRELATION_PARTITIONS):
                batch.out.append(OutboundRecord(
                    CORRELATION_TOPIC, share.key.encode(), record.value or b"",
                    ((SOURCE_HEADER, source.encode()),
                     (SHARE_HEADER, b"primary" if share.primary else b"secondary")),
                    partition=share.partition))
            attrs = decoded.attributes
            if isinstance(attrs, WatchlistAttributes):
                entry = entry_from_event(decoded.envelope, attrs)
                batch.watchlist.append((attrs.action, entry))
                batch.out.append(OutboundRecord(
                    self._watchlist_topic, entry.store_id.encode(),
                    entry.model_dump_json().encode() if attrs.action == "add" else None))
            elif isinstance(attrs, PoeCrossingAttributes):
                batch.crossings.append((record, decoded.envelope, attrs))
        except Exception as exc:  # a bug must not stop the stream: the record is kept
            log.exception("intake failed on %s[%d]@%d", record.origin.topic,
                          record.origin.partition, record.origin.offset)
            self._reject(record, _processing_error(exc), batch)

    async def _match(self, batch: _Batch) -> None:
        keys = {k for _, event, _ in batch.crossings for k in crossing_vehicle_keys(event)}
        entries = await self._watchlist.lookup(keys)
        now = self._clock()
        for record, event, attrs in batch.crossings:
            try:
                for finding in match_crossing(event, attrs, entries):
                    lead = build_lead(finding, now=now)
                    batch.out.append(OutboundRecord(
                        CANDIDATE_LEADS_TOPIC, lead.lead_id.encode(),
                        lead.model_dump_json().encode()))
                    self._metrics.leads_generated.labels(lead.category).inc()
            except Exception as exc:
                log.exception("rule evaluation failed on %s", event.key)
                self._reject(record, _processing_error(exc), batch)

    def _reject(self, record: InboundRecord, rejection: Rejection, batch: _Batch) -> None:
        letter = dead_letter(rejection, value=record.value, origin=record.origin,
                             now=self._clock())
        key = record.origin.key or f"{record.origin.topic}:{record.origin.partition}".encode()
        batch.out.append(OutboundRecord(DEAD_LETTER_TOPIC, key, letter.model_dump_json().encode()))
        self._metrics.dead_letters.labels(rejection.reason.value).inc()


def _processing_error(exc: Exception) -> Rejection:
    return Rejection(DeadLetterReason.PROCESSING_ERROR,
                     (FieldError(field="", problem=type(exc).__name__, message=str(exc)[:500]),))
