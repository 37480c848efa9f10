"""Intake stage: feed records in; dead letters, the watchlist's record of record and the
valid events for correlation out (one share per correlation partition that owns one of the
event's group keys: ``rules.engine.partitioning``).

Per batch: decode and validate every record (pure), refuse events whose time is not
believable (``fusion.contract.event_time``) and repeats of an ``(agency, event_id)`` taken
within the dedup horizon (``fusion.recent_ids``, in memory), record each watchlist change on
``state.watchlist``, and pack the shares. The intake builds no leads and reads no store:
watchlist hits are found by the correlate lanes in event time, like every rule's
(``rules.engine.watch``), and combined there with the entity's other hits. A record that
fails for an unexpected reason becomes a dead letter too: one bad record never stops the
worker. What it counts (valid events, dead letters, watchlist changes) rides on the records
and is counted once the broker has them (``OutboundRecord.counts``).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field

from fusion.contract import (
    CORRELATION_PARTITIONS,
    CORRELATION_TOPIC,
    DEAD_LETTER_TOPIC,
    WATCHLIST_STATE_TOPIC,
    DeadLetterReason,
    FieldError,
    Rejection,
    ValidEvent,
    WatchlistAttributes,
)
from fusion.contract.dead_letter import DEAD_LETTER_PREFIX_DEFAULT
from fusion.contract.decoding import decode_feed_record
from fusion.contract.event_time import EventTimeLimits, check_event_time
from fusion.contract.retraction import Retraction
from fusion.contract.topics import RETRACTIONS_TOPIC
from fusion.recent_ids import RecentIds
from rules.engine.partitioning import shares
from rules.watchlist import entry_from_event
from stream_apps.dead_letters import dead_letter, dead_letter_key
from stream_apps.decoded_events import DecodedEvents
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import (
    Countable,
    InboundRecord,
    OutboundRecord,
)
from stream_apps.share_packs import PACK_KEY, Share, batch_progress, packs_for

log = logging.getLogger(__name__)


@dataclass
class _Batch:
    out: list[OutboundRecord] = field(default_factory=list)
    progress: dict[str, float] = field(default_factory=dict)  # source -> highest event time
    shares: dict[int, list[Share]] = field(default_factory=dict)  # correlation partition ->
    valid: dict[tuple[str, int], Countable] = field(default_factory=dict)  # primary share ->


@dataclass(frozen=True, slots=True)
class IntakeLimits:
    """What the intake refuses beyond the contract, and how much of a refusal it copies."""

    event_time: EventTimeLimits = field(default_factory=EventTimeLimits)
    event_dedup_horizon: float = 3600.0
    event_dedup_max_ids: int = 500_000
    dead_letter_prefix_bytes: int = DEAD_LETTER_PREFIX_DEFAULT


class IntakeStage:
    def __init__(
        self, *, metrics: WorkerMetrics,
        clock: Callable[[], dt.datetime], limits: IntakeLimits | None = None,
        watchlist_topic: str = WATCHLIST_STATE_TOPIC, decoded: DecodedEvents | None = None,
    ) -> None:
        """``watchlist_topic``: where each watchlist change is recorded (the watchlist's
        record of record; a new worker group's lanes are seeded from it). ``decoded``: where the
        envelopes of valid events wait for this worker's correlate lanes."""
        self._decoded = decoded
        self._watchlist_topic = watchlist_topic
        self._metrics = metrics
        self._clock = clock
        self._limits = limits or IntakeLimits()
        self._recent = RecentIds(horizon=self._limits.event_dedup_horizon,
                                 max_ids=self._limits.event_dedup_max_ids)

    async def handle(self, records: Sequence[InboundRecord],
                     behind: Collection[str] = ()) -> list[OutboundRecord]:
        """Everything to publish for ``records``: dead letters, watchlist records, then the
        event shares as one pack (or a few) per correlation partition with
        the batch's progress in the last (``share_packs``); ``behind``: the sources
        (``topic:partition``) with records after this batch's."""
        batch = _Batch()
        now = self._clock()
        for record in records:
            self._classify(record, batch, now)
        self._metrics.event_dedup_ids.set(len(self._recent))
        self._metrics.event_dedup_horizon.set(self._recent.horizon_now(now.timestamp()))
        return batch.out + self._packs(batch, behind)

    def _packs(self, batch: _Batch, behind: Collection[str]) -> list[OutboundRecord]:
        """The batch's shares for each correlation partition, as share packs, the batch's
        progress in the last pack of every partition (``share_packs``)."""
        progress = batch_progress(batch.progress, behind, at=self._clock().timestamp())
        out = []
        for partition in range(CORRELATION_PARTITIONS):
            for packed, value in packs_for(batch.shares.get(partition, ()), progress):
                counts = tuple(batch.valid[s.source, s.offset] for s in packed if s.primary)
                out.append(OutboundRecord(CORRELATION_TOPIC, PACK_KEY, value,
                                          partition=partition, counts=counts))
        return out

    def _classify(self, record: InboundRecord, batch: _Batch, now: dt.datetime) -> None:
        try:
            decoded = decode_feed_record(record.value, topic=record.origin.topic)
            if isinstance(decoded, Retraction):  # the recall is the escalation service's
                batch.out.append(OutboundRecord(RETRACTIONS_TOPIC, decoded.event_key.encode(),
                                                record.value))
                return
            if isinstance(decoded, ValidEvent):
                refusal = self._refusal(decoded, record, now)
                decoded = decoded if refusal is None else refusal
            if isinstance(decoded, Rejection):
                self._reject(record, decoded, batch)
                return
            self._accept(record, decoded, batch)
        except Exception as exc:  # a bug must not stop the stream: the record is kept
            log.exception("intake failed on %s[%d]@%d", record.origin.topic,
                          record.origin.partition, record.origin.offset)
            self._reject(record, _processing_error(exc), batch)

    def _refusal(self, decoded: ValidEvent, record: InboundRecord,
                 now: dt.datetime) -> Rejection | None:
        """Why a valid event is refused all the same: its time, or a repeat of its id."""
        envelope = decoded.envelope
        late_or_early = check_event_time(envelope, now=now, limits=self._limits.event_time)
        if late_or_early is not None:
            return late_or_early
        origin = record.origin
        position = (origin.topic, origin.partition, origin.offset)
        if self._recent.seen_before(envelope.key, position, now=now.timestamp()):
            return Rejection(DeadLetterReason.DUPLICATE_EVENT, (FieldError(
                field="event_id", problem="duplicate",
                message=f"{envelope.key} was taken already within the dedup horizon "
                        f"({self._limits.event_dedup_horizon:g} s, "
                        "FUSION_EVENT_DEDUP_HORIZON): this repeat is dropped; a new event "
                        "needs a new event_id"),))
        return None

    def _accept(self, record: InboundRecord, decoded: ValidEvent, batch: _Batch) -> None:
        envelope = decoded.envelope
        source = f"{record.origin.topic}:{record.origin.partition}"
        when = envelope.occurred_at.timestamp()
        batch.progress[source] = max(when, batch.progress.get(source, when))
        offset, value = record.origin.offset, record.value or b""
        batch.valid[source, offset] = self._metrics.events_valid.labels(envelope.feed.value)
        event_shares = shares(envelope, CORRELATION_PARTITIONS)
        for share in event_shares:
            batch.shares.setdefault(share.partition, []).append(
                Share(source, share.primary, offset, value))
        if self._decoded is not None:
            self._decoded.put((source, offset), envelope, len(event_shares))
        attrs = decoded.attributes
        if isinstance(attrs, WatchlistAttributes):
            entry = entry_from_event(envelope, attrs)
            batch.out.append(OutboundRecord(  # the watchlist's record of record
                self._watchlist_topic, entry.store_id.encode(),
                entry.model_dump_json().encode() if attrs.action == "add" else None,
                counts=(self._metrics.watchlist_changes.labels(attrs.action),)))

    def _reject(self, record: InboundRecord, rejection: Rejection, batch: _Batch) -> None:
        letter = dead_letter(rejection, value=record.value, origin=record.origin,
                             now=self._clock(),
                             prefix_bytes=self._limits.dead_letter_prefix_bytes)
        counts: tuple[Countable, ...] = (self._metrics.dead_letters.labels(rejection.reason.value),)
        if rejection.reason is DeadLetterReason.DUPLICATE_EVENT:
            feed = record.origin.topic.rsplit(".", 1)[-1]
            counts += (self._metrics.duplicate_events.labels(feed),)
        batch.out.append(OutboundRecord(DEAD_LETTER_TOPIC, dead_letter_key(record.origin),
                                        letter.model_dump_json().encode(), counts=counts))


def _processing_error(exc: Exception) -> Rejection:
    return Rejection(DeadLetterReason.PROCESSING_ERROR,
                     (FieldError(field="", problem=type(exc).__name__, message=str(exc)[:500]),))
