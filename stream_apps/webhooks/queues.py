"""The sender's two kinds of queue, each one task: an endpoint's (its agency's lead topic,
under the endpoint's consumer group) and the replay requests. Each takes its records in
order, one at a time: a record is delivered (or given up) and settled before the next, so
per-lead order holds and nothing runs ahead of what the receiver took."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.webhook_endpoints import Endpoint
from adapters.kafka.webhook_leads import InputRecord, RecordSource
from fusion.contract import lead_topic
from fusion.contract.topics import LEAD_PARTITIONS
from fusion.contract.webhooks import ReplayRequest
from leads.webhooks.payload import UnreadableLeadError, lead_message
from leads.webhooks.signing import webhook_id
from stream_apps.webhooks.delivering import Delivery, Message, Outcome, Result
from stream_apps.webhooks.settling import Settler

log = logging.getLogger(__name__)
Lookup = Callable[[str], Endpoint | None]


@dataclass
class Queues:
    """What every queue shares."""

    access: KafkaAccess
    delivery: Delivery
    settler: Settler
    endpoints: Lookup
    group_prefix: str
    prefetch: int
    idle_wait: float


class EndpointQueue:
    def __init__(self, shared: Queues, endpoint: Endpoint) -> None:
        self._shared = shared
        self.endpoint_id = endpoint.endpoint_id
        self._agency = endpoint.endpoint.agency
        self._created_at = endpoint.endpoint.created_at
        self.stop = asyncio.Event()
        self.pending_since: dt.datetime | None = None
        self.group = f"{shared.group_prefix}-{self.endpoint_id}"  # settings.endpoint_group

    async def run(self) -> None:
        source = RecordSource(self._shared.access, topic=lead_topic(self._agency),
                              group=self.group, start_at=self._created_at,
                              prefetch=self._shared.prefetch,
                              client_id=f"fusion-webhooks-{self.endpoint_id}",
                              partitions=LEAD_PARTITIONS)
        await source.start()
        try:
            while not self.stop.is_set():
                for record in await source.fetch():
                    if not await self._one(record):
                        await source.rewind(record)
                        break
        finally:
            self.pending_since = None
            await source.close()

    async def _one(self, record: InputRecord) -> bool:
        self.pending_since = record.at
        message = self._message(record)
        if isinstance(message, Result):  # not a lead: given up at once
            lead = Message(self.endpoint_id, self._agency, (record.key or b"?").decode(
                errors="replace")[:64] or "?", 1, webhook_id(self.endpoint_id, "?", 1),
                record.value or b"", record.at, _source(record))
            return await self._shared.settler.settle(
                lead, message, record=record, group=self.group, replay=False,
                stop=self.stop, url="")
        current = self._shared.endpoints(self.endpoint_id)
        result = await self._shared.delivery.deliver(
            message, endpoint=lambda: self._shared.endpoints(self.endpoint_id),
            stop=self.stop)
        settled = await self._shared.settler.settle(
            message, result, record=record, group=self.group, replay=False, stop=self.stop,
            url=current.endpoint.url if current else "")
        if result.outcome is Outcome.GONE:
            self.stop.set()
        self.pending_since = None if settled else self.pending_since
        return settled

    def _message(self, record: InputRecord) -> Message | Result:
        try:
            lead = lead_message(record.value, at=record.at)
        except UnreadableLeadError as exc:
            log.error("%s is no lead (%s): dead-lettered for %s", _source(record), exc,
                      self.endpoint_id)
            return Result(Outcome.EXHAUSTED, 0, None, "unreadable-lead", str(exc))
        return Message(self.endpoint_id, self._agency, lead.lead_id, lead.revision,
                       webhook_id(self.endpoint_id, lead.lead_id, lead.revision), lead.body,
                       record.at, _source(record))


class ReplayQueue:
    """``webhooks.replays``: each request delivered again under its original webhook-id;
    a request for a disabled endpoint waits until it is enabled (or removed)."""

    def __init__(self, shared: Queues, topic: str) -> None:
        self._shared = shared
        self._topic = topic
        self.stop = asyncio.Event()
        self.group = f"{shared.group_prefix}-replays"

    async def run(self) -> None:
        source = RecordSource(self._shared.access, topic=self._topic, group=self.group,
                              start_at=None, prefetch=self._shared.prefetch,
                              client_id="fusion-webhooks-replays")
        await source.start()
        try:
            while not self.stop.is_set():
                for record in await source.fetch():
                    if not await self._one(record):
                        await source.rewind(record)
                        break
        finally:
            await source.close()

    async def _one(self, record: InputRecord) -> bool:
        try:
            request = ReplayRequest.model_validate_json(record.value or b"")
        except ValidationError as exc:
            log.error("%s is no replay request (%d problems): skipped", _source(record),
                      exc.error_count())
            return await self._shared.settler.skip(record, group=self.group, stop=self.stop)
        letter = request.dead_letter
        message = Message(letter.endpoint_id, letter.agency, letter.lead_id, letter.revision,
                          letter.webhook_id, letter.body.encode(), request.requested_at,
                          letter.source)
        while True:
            current = self._shared.endpoints(letter.endpoint_id)
            if current is None:
                result = Result(Outcome.EXHAUSTED, 0, None, "endpoint-removed",
                                "the endpoint was removed before the replay")
                return await self._shared.settler.settle(
                    message, result, record=record, group=self.group, replay=True,
                    stop=self.stop, url="", dead_letter=False)
            if current.enabled:
                break
            try:  # disabled: wait for an enable (or a removal, or the stop)
                await asyncio.wait_for(self.stop.wait(), timeout=self._shared.idle_wait)
                return False
            except TimeoutError:
                continue
        result = await self._shared.delivery.deliver(
            message, endpoint=lambda: self._shared.endpoints(letter.endpoint_id),
            stop=self.stop)
        return await self._shared.settler.settle(
            message, result, record=record, group=self.group, replay=True, stop=self.stop,
            url=current.endpoint.url)


def _source(record: InputRecord) -> str:
    return f"{record.partition.topic}:{record.partition.partition}:{record.offset}"
