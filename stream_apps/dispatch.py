"""Dispatch stage: candidate leads in; one copy per entitled, subscribed agency out, and every
decision, sent or withheld, on the audit, atomically per input partition.

The routing decision is pure (``leads.routing``); so is the audit chain
(``leads.audit_chain``). Per batch: the subscriptions as the topic holds them now
(``SubscriptionsView``, never an older set), then, per internal.leads partition, the lead
revisions not decided before (a replay is dropped and counted), their routes, the copies,
the sealed audit entries and the partition's next offset, committed in one Kafka
transaction (``adapters.kafka.audit_log``). Metrics count only what that commit made real.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Collection, Sequence

from pydantic import ValidationError

from adapters.kafka.audit_log import AuditLog, Copy
from adapters.kafka.subscriptions import SubscriptionsView
from fusion.contract import (
    DEAD_LETTER_TOPIC,
    DeadLetterReason,
    FieldError,
    Lead,
    Rejection,
    lead_topic,
)
from fusion.contract.audit import AuditEntry
from leads.audit_chain import decision_fields, seal
from leads.recall import recall_route
from leads.routing import Decision, route
from leads.subscriptions import Subscription
from stream_apps.dead_letters import dead_letter
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import InboundRecord

log = logging.getLogger(__name__)


class DispatchStage:
    def __init__(self, *, subscriptions: SubscriptionsView, audit: AuditLog, audit_key: bytes,
                 metrics: WorkerMetrics, clock: Callable[[], dt.datetime]) -> None:
        self._subscriptions = subscriptions
        self._audit = audit
        self._key = audit_key
        self._metrics = metrics
        self._clock = clock
        self._revoked: set[int] = set()

    def revoked(self, partitions: Collection[int]) -> None:
        """internal.leads partitions taken from this worker: their writers are dropped
        before next use (a later owner may have extended their chains)."""
        self._revoked.update(partitions)

    async def handle(self, records: Sequence[InboundRecord]) -> None:
        if self._revoked:
            await self._audit.forget(sorted(self._revoked))
            self._revoked.clear()
        subs = await self._subscriptions.current()
        by_partition: dict[int, list[InboundRecord]] = {}
        for record in records:
            by_partition.setdefault(record.origin.partition, []).append(record)
        for partition, group in sorted(by_partition.items()):
            await self._dispatch(partition, group, subs)

    async def _dispatch(self, partition: int, records: Sequence[InboundRecord],
                        subs: Sequence[Subscription]) -> None:
        now = self._clock()
        part = await self._audit.log_for(partition, now=now)
        copies: list[Copy] = []
        entries: list[AuditEntry] = []
        planned: list[tuple[Lead, list[Decision]]] = []
        head, seen, duplicates, dead = part.head, set(part.decided), 0, 0
        for record in records:
            lead = self._decode(record, copies, now)
            if lead is None:
                dead += 1
                continue
            if (lead.lead_id, lead.revision) in seen:
                duplicates += 1
                continue
            seen.add((lead.lead_id, lead.revision))
            recall = recall_route(lead, record.recall_to)  # earlier recipients, not subs
            decisions = route(lead, subs) if recall is None else recall
            planned.append((lead, decisions))
            copies.extend(Copy(lead_topic(d.agency), lead.lead_id.encode(), record.value or b"")
                          for d in decisions if d.send)
            for decision in decisions:
                entry, head = seal(decision_fields(lead, decision, chain=partition, at=now),
                                   head, self._key)
                entries.append(entry)
        await self._audit.commit(part, copies=copies, entries=entries,
                                 next_offset=max(r.origin.offset for r in records) + 1)
        self._count(planned, duplicates=duplicates, dead=dead, now=self._clock())

    def _count(self, planned: Sequence[tuple[Lead, list[Decision]]], *, duplicates: int,
               dead: int, now: dt.datetime) -> None:
        if duplicates:
            self._metrics.duplicate_leads.inc(duplicates)
        if dead:
            self._metrics.dead_letters.labels(DeadLetterReason.PROCESSING_ERROR.value).inc(dead)
        for lead, decisions in planned:
            for d in decisions:
                self._metrics.dispatch_decisions.labels(d.agency.value, d.outcome.value).inc()
            if any(d.send for d in decisions):
                self._metrics.lead_latency.observe((now - lead.generated_at).total_seconds())

    def _decode(self, record: InboundRecord, copies: list[Copy], now: dt.datetime
                ) -> Lead | None:
        try:
            return Lead.model_validate_json(record.value or b"")
        except ValidationError as exc:
            # Only the worker writes this topic: this is a bug, but the record is kept.
            log.error("undecodable lead at %s[%d]@%d sent to the dead-letter topic: %s",
                      record.origin.topic, record.origin.partition, record.origin.offset, exc)
            rejection = Rejection(DeadLetterReason.PROCESSING_ERROR, tuple(
                FieldError(field=".".join(map(str, e["loc"])), problem=e["type"], message=e["msg"])
                for e in exc.errors(include_url=False)))
            letter = dead_letter(rejection, value=record.value, origin=record.origin, now=now)
            copies.append(Copy(DEAD_LETTER_TOPIC, record.origin.key or b"",
                               letter.model_dump_json().encode()))
            return None

