"""Turning a delivery's result into its journal commit: the receipt, the dead letter or the
endpoint's new state, and the settled offset, retried until the broker takes it (or the
sender stops: then nothing is committed and the record is delivered again, same id)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from adapters.kafka.webhook_journal import DeliveryJournal, Settled
from adapters.kafka.webhook_leads import InputRecord
from fusion.contract.webhooks import DeliveryDeadLetter, EndpointState, ReceiptOutcome
from fusion.errors import DependencyUnavailableError
from stream_apps.webhooks.delivering import Clock, Message, Outcome, Result
from stream_apps.webhooks.metrics import WebhookMetrics

log = logging.getLogger(__name__)
COMMIT_RETRY = 1.0


def receipt_fields(message: Message, result: Result, outcome: ReceiptOutcome, *,
                   replay: bool, at: Any) -> dict[str, Any]:
    return {"endpoint_id": message.endpoint_id, "agency": message.agency,
            "lead_id": message.lead_id, "revision": message.revision,
            "webhook_id": message.webhook_id, "outcome": outcome,
            "attempts": result.attempts, "status": result.status,
            "reason": (result.reason + (f": {result.detail}" if result.detail else ""))[:500],
            "replay": replay, "at": at}


def make_dead_letter(message: Message, result: Result, *, at: Any) -> DeliveryDeadLetter:
    return DeliveryDeadLetter(
        endpoint_id=message.endpoint_id, agency=message.agency, lead_id=message.lead_id,
        revision=message.revision, webhook_id=message.webhook_id, reason=result.reason,
        detail=result.detail[:500], attempts=result.attempts, last_status=result.status,
        source=message.source, queued_at=message.queued_at, dead_lettered_at=at,
        body=message.body.decode(errors="replace"))


class Settler:
    def __init__(self, journal: DeliveryJournal, metrics: WebhookMetrics, clock: Clock,
                 principal: str,
                 on_disabled: Callable[[EndpointState], None] = lambda state: None) -> None:
        self._journal = journal
        self._metrics = metrics
        self._clock = clock
        self._principal = principal
        self._on_disabled = on_disabled  # the sender applies it before its next read

    async def settle(self, message: Message, result: Result, *, record: InputRecord,
                     group: str, replay: bool, stop: asyncio.Event, url: str,
                     dead_letter: bool = True) -> bool:
        """Commit what ``result`` means; True if ``record`` is settled (its offset
        committed), False if it must be read again (stopped, or the endpoint is gone)."""
        if result.outcome is Outcome.STOPPED:
            return False
        now = self._clock()
        settled = Settled(record.partition, record.offset + 1, group)
        agency = message.agency.value
        if result.outcome is Outcome.DELIVERED:
            ok = await self._commit(stop, receipts=[receipt_fields(
                message, result, ReceiptOutcome.DELIVERED, replay=replay, at=now)],
                settled=settled)
            if ok:
                self._metrics.delivered.labels(agency).inc()
            return ok
        if result.outcome is Outcome.EXHAUSTED:
            letter = make_dead_letter(message, result, at=now) if dead_letter else None
            ok = await self._commit(
                stop, dead_letter=letter, settled=settled,
                receipts=[receipt_fields(message, result, ReceiptOutcome.DEAD_LETTERED,
                                         replay=replay, at=now)])
            if ok:
                self._metrics.dead_lettered.labels(agency, result.reason).inc()
                log.warning("webhook %s to %s given up (%s, %s): dead-lettered; "
                            "'fusion webhooks replay %s' delivers it again",
                            message.webhook_id, message.endpoint_id, result.reason,
                            result.detail, message.endpoint_id)
            return ok
        # 410 Gone: the endpoint is disabled; the lead stays queued for a re-enable
        state = EndpointState(endpoint_id=message.endpoint_id, enabled=False,
                              reason=f"410 Gone from {url}"[:500], changed_at=now,
                              changed_by=self._principal)
        if await self._commit(stop, state=state, receipts=[receipt_fields(
                message, result, ReceiptOutcome.ENDPOINT_DISABLED, replay=replay, at=now)]):
            self._on_disabled(state)
            self._metrics.disabled.labels(agency).inc()
            log.warning("webhook endpoint %s answered 410 Gone: disabled ('fusion webhooks "
                        "enable %s' resumes it, from lead %s)", message.endpoint_id,
                        message.endpoint_id, message.lead_id)
        return False

    async def skip(self, record: InputRecord, *, group: str, stop: asyncio.Event) -> bool:
        """Settle a record that asks nothing (an unreadable replay request, logged)."""
        return await self._commit(stop, receipts=[],
                                  settled=Settled(record.partition, record.offset + 1, group))

    async def _commit(self, stop: asyncio.Event, **what: Any) -> bool:
        while True:
            try:
                await self._journal.commit(**what)
                return True
            except DependencyUnavailableError as exc:
                log.error("webhook journal: %s", exc)
            if stop.is_set():
                return False
            await asyncio.sleep(COMMIT_RETRY)

