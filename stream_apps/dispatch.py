"""Dispatch stage: candidate leads in; one copy per entitled, subscribed agency out.

The routing decision is pure (``leads.routing``). This stage loads subscriptions (cached until
they change), sends, waits for the broker to confirm delivery, then writes every decision,
sent or withheld, to the audit trail.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Sequence

from pydantic import ValidationError

from adapters.redis.audit_log import DisseminationLog
from adapters.redis.subscription_store import SubscriptionStore
from fusion.contract import (
    DEAD_LETTER_TOPIC,
    DeadLetterReason,
    FieldError,
    Lead,
    Rejection,
    lead_topic,
)
from leads.routing import Decision, route
from stream_apps.dead_letters import dead_letter
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import InboundRecord, OutboundRecord

log = logging.getLogger(__name__)

Send = Callable[[Sequence[OutboundRecord]], Awaitable[None]]


class DispatchStage:
    def __init__(
        self,
        *,
        subscriptions: SubscriptionStore,
        audit: DisseminationLog,
        metrics: WorkerMetrics,
        clock: Callable[[], dt.datetime],
    ) -> None:
        self._subscriptions = subscriptions
        self._audit = audit
        self._metrics = metrics
        self._clock = clock

    async def handle(self, records: Sequence[InboundRecord], send: Send) -> None:
        subs = await self._subscriptions.snapshot()
        planned: list[tuple[Lead, list[Decision]]] = []
        out: list[OutboundRecord] = []
        decoded = [(record, self._decode(record, out)) for record in records]
        leads = [(r, lead) for r, lead in decoded if lead is not None]
        done = await self._audit.already_dispatched([(lead.lead_id, lead.revision)
                                                    for _, lead in leads])
        for record, lead in leads:
            if (lead.lead_id, lead.revision) in done:
                self._metrics.duplicate_leads.inc()
                continue
            done.add((lead.lead_id, lead.revision))
            decisions = route(lead, subs)
            planned.append((lead, decisions))
            out.extend(
                OutboundRecord(lead_topic(d.agency), lead.lead_id.encode(), record.value or b"")
                for d in decisions if d.send
            )
        await send(out)  # returns once the broker has every record
        now = self._clock()
        await self._audit.record([(lead.lead_id, lead.revision, ds) for lead, ds in planned],
                                 at=now)
        for lead, decisions in planned:
            for d in decisions:
                self._metrics.dispatch_decisions.labels(d.agency.value, d.outcome.value).inc()
            if any(d.send for d in decisions):
                self._metrics.lead_latency.observe((now - lead.generated_at).total_seconds())

    def _decode(self, record: InboundRecord, out: list[OutboundRecord]) -> Lead | None:
        try:
            return Lead.model_validate_json(record.value or b"")
        except ValidationError as exc:
            # Only the intake stage writes this topic: this is a bug, but the record is kept.
            log.error("undecodable lead at %s[%d]@%d sent to the dead-letter topic: %s",
                      record.origin.topic, record.origin.partition, record.origin.offset, exc)
            rejection = Rejection(DeadLetterReason.PROCESSING_ERROR, tuple(
                FieldError(field=".".join(map(str, e["loc"])), problem=e["type"], message=e["msg"])
                for e in exc.errors(include_url=False)))
            letter = dead_letter(rejection, value=record.value, origin=record.origin,
                                 now=self._clock())
            out.append(OutboundRecord(DEAD_LETTER_TOPIC, record.origin.key or b"",
                                      letter.model_dump_json().encode()))
            self._metrics.dead_letters.labels(rejection.reason.value).inc()
            return None
