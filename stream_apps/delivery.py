"""An agent's outputs, confirmed by the broker before the agent takes its next batch.

Faust commits a batch's input offsets once the agent has moved past the batch, whether or not
the records it queued arrived (a failed send only fails its future). So every agent hands its
outputs to :meth:`Delivery.send`, which returns only when the broker has confirmed every
record: a batch the broker refuses (a record over the topic's ``max.message.bytes``, a topic
that is missing or not writable, a broker that stays away) is sent again, with a back-off,
until it is taken. Meanwhile the agent stays on its batch, so no offset moves past the input
of a record that was not delivered; the worker logs what was refused and why (once per
refusal, then every ``report_every`` seconds), answers 503 on ``/healthz`` and sets
``fusion_outputs_blocked``. Counters carried by a record (``OutboundRecord.counts``) are
incremented once the broker has it, so metrics count only what was delivered.

Records already confirmed are not sent again; the refused ones go again in their order.

Stopping: Faust's shutdown waits for the agents' batches and then commits what they acked. A
worker asked to stop while the broker refuses (or does not answer for) a batch's outputs
would either wait for ever or, if the agent gave up, commit past them. So when ``stopping()``
turns true while outputs are unconfirmed, ``abandon`` is called: the worker exits at once
without committing (``stream_apps/app.py``: exit status 3), and the batch's input is read
again at the next start.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from stream_apps.batch_send import BatchSender, Submitted
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import OutboundRecord

log = logging.getLogger(__name__)


@dataclass
class DeliveryStatus:
    """What each agent is blocked on, for ``/healthz``: agent -> (since, what was refused)."""

    blocked: dict[str, tuple[dt.datetime, str]] = field(default_factory=dict)

    def describe(self) -> list[str]:
        return [f"{agent}: outputs refused since {since.isoformat(timespec='seconds')}: {what}"
                for agent, (since, what) in sorted(self.blocked.items())]


class Delivery:
    def __init__(self, sender: BatchSender, *, agent: str, metrics: WorkerMetrics,
                 status: DeliveryStatus, clock: Callable[[], dt.datetime],
                 stopping: Callable[[], bool] = lambda: False,
                 abandon: Callable[[str], NoReturn] | None = None,
                 first_delay: float = 0.5, max_delay: float = 10.0, report_every: float = 60.0,
                 check_every: float = 1.0,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self._sender = sender
        self._agent = agent
        self._metrics = metrics
        self._status = status
        self._clock = clock
        self._first_delay, self._max_delay = first_delay, max_delay
        self._report_every = report_every
        self._stopping, self._abandon = stopping, abandon
        self._check_every = check_every
        self._sleep = sleep

    async def send(self, records: Sequence[OutboundRecord]) -> None:
        """Return once the broker has confirmed every record of ``records``.

        Cancelled while the broker refuses them (a task of the app torn down at shutdown, as
        the intake's is), it abandons as a stop does. Cancelled otherwise, it lets the
        cancellation through: nothing was committed past the batch, read again at the next
        start."""
        try:
            await self._send(records)
        except asyncio.CancelledError:
            if self._abandon is not None and self._agent in self._status.blocked:
                self._abandon(f"{self._agent}: cancelled while the broker refuses its "
                              f"outputs ({self._status.blocked[self._agent][1]})")
            raise

    async def _send(self, records: Sequence[OutboundRecord]) -> None:
        pending, delay, reported, attempt = list(records), self._first_delay, 0.0, 0
        while pending:
            attempt += 1
            refused = await self._attempt(pending)
            if not refused:
                break
            pending = [r for submitted, _ in refused for r in submitted.records]
            what = _describe(refused)
            if attempt == 1 or time.monotonic() - reported >= self._report_every:
                reported = time.monotonic()
                log.error("%s: the broker refused %s; the batch's input offsets are not "
                          "committed past it, and it is sent again until the broker takes it "
                          "(attempt %d, next in %.1f s)%s", self._agent, what, attempt, delay,
                          _hint(refused))
            if self._agent not in self._status.blocked:
                self._status.blocked[self._agent] = (self._clock(), what)
                self._metrics.outputs_blocked.labels(self._agent).set(1)
            for _, error in refused:
                self._metrics.output_refusals.labels(self._agent, type(error).__name__).inc()
            self._stop_if_asked(what)
            await self._sleep(delay)
            delay = min(delay * 2, self._max_delay)
        if self._agent in self._status.blocked:
            del self._status.blocked[self._agent]
            self._metrics.outputs_blocked.labels(self._agent).set(0)
            log.warning("%s: every output of the refused batch is delivered now (%d attempts)",
                        self._agent, attempt)

    async def _attempt(self, records: Sequence[OutboundRecord]
                       ) -> list[tuple[Submitted, BaseException]]:
        """Send ``records`` once; count the confirmed ones, return the refused."""
        submitted = await self._sender.send(records)
        pending = {s.future for s in submitted if s.future is not None}
        while pending:
            _, pending = await asyncio.wait(pending, timeout=self._check_every)
            if pending:
                self._stop_if_asked(f"{len(pending)} batch(es) the broker has not answered")
        refused: list[tuple[Submitted, BaseException]] = []
        for s in submitted:
            error = s.error if s.future is None else _failure(s.future)
            if error is not None:
                refused.append((s, error))
                continue
            for record in s.records:
                for counter in record.counts:
                    counter.inc()
        return refused


    def _stop_if_asked(self, what: str) -> None:
        if self._abandon is not None and self._stopping():
            self._abandon(f"{self._agent}: {what}")


def _failure(future: asyncio.Future[Any]) -> BaseException | None:
    if future.cancelled():
        return asyncio.CancelledError("the send was cancelled (the producer is stopping)")
    return future.exception()


def _describe(refused: list[tuple[Submitted, BaseException]]) -> str:
    parts = []
    for submitted, error in refused:
        where = submitted.topic if submitted.partition is None else \
            f"{submitted.topic}[{submitted.partition}]"
        largest = max((r.size for r in submitted.records), default=0)
        parts.append(f"{len(submitted.records)} record(s) for {where} (largest {largest:,} "
                     f"bytes): {type(error).__name__}: {error}")
    return "; ".join(parts)


def _hint(refused: list[tuple[Submitted, BaseException]]) -> str:
    names = {type(error).__name__ for _, error in refused}
    if names & {"MessageSizeTooLargeError", "RecordListTooLargeError"}:
        return (". A record is larger than the topic accepts: raise the topic's "
                "max.message.bytes (kafka-configs --alter --add-config), or find why the "
                "record is so large")
    if names & {"TopicAuthorizationFailedError", "ClusterAuthorizationFailedError"}:
        return ". The worker's principal may not write there: check its ACLs"
    return ""
