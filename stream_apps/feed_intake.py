"""The intake's loop: feed records in batches from the intake's own consumer
(``adapters.kafka.feed_consumer``), through ``IntakeStage``, outputs confirmed by the broker,
then the batch's offsets committed. It runs as a task of the Faust app, beside the agents.

Order per batch, as every agent's: decode and decide (the stage), send and wait for the
broker (``Delivery``: a refused batch is sent again until taken, a stop meanwhile exits
without committing), commit. A crash between confirmation and commit re-reads the batch:
its shares and dead letters go again (at least once; the correlate stage's engine and the
dispatcher's audit make the leads idempotent, the intake's dedup drops the repeats it saw).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from adapters.kafka.feed_consumer import FeedConsumer, FeedRecord
from stream_apps.backlog import Backlog
from stream_apps.dead_letters import RecordOrigin
from stream_apps.intake import IntakeStage
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import InboundRecord, OutboundRecord

log = logging.getLogger(__name__)
Send = Callable[[Sequence[OutboundRecord]], Awaitable[None]]


@dataclass
class IntakeActivity:
    """Whether the intake is caught up: its last poll of the feeds came back empty, a moment
    ago. The tick timer moves idle lanes' event time on only then (``progress.py``): while
    the intake is held on a batch (outputs refused, a slow batch) nothing polls, and event
    time must wait for the events still to come, or they would arrive late."""

    empty_poll_at: float | None = None  # monotonic time of the last empty poll, None: busy
    monotonic: Callable[[], float] = time.monotonic

    def polled(self, records: int) -> None:
        self.empty_poll_at = self.monotonic() if records == 0 else None

    def caught_up(self, *, within: float) -> bool:
        at = self.empty_poll_at
        return at is not None and self.monotonic() - at <= within


def inbound(record: FeedRecord) -> InboundRecord:
    return InboundRecord(
        origin=RecordOrigin(topic=record.topic, partition=record.partition,
                            offset=record.offset, timestamp_ms=record.timestamp_ms,
                            key=record.key),
        value=record.value)


async def run_intake(consumer: FeedConsumer, stage: IntakeStage, backlog: Backlog, *,
                     send: Send, metrics: WorkerMetrics, within: float,
                     stopping: Callable[[], bool],
                     activity: IntakeActivity | None = None) -> None:
    """Take batches until ``stopping()``; the consumer is started and stopped here;
    ``activity`` learns of every poll."""
    activity = activity or IntakeActivity()
    await consumer.start()
    try:
        while not stopping():
            batch = await consumer.batch(within=within)
            activity.polled(len(batch))
            if not batch:
                continue
            async with consumer.busy:  # a rebalance waits for this batch to be committed
                with metrics.batch_seconds.labels("intake").time():
                    metrics.batch_records.labels("intake").observe(len(batch))
                    records = [inbound(r) for r in batch]
                    behind = await backlog.behind(records)
                    out = await stage.handle(records, behind)
                    await send(out)
                    if not await consumer.commit(batch):  # the group moved on meanwhile
                        metrics.intake_commits_refused.inc()
    finally:
        await consumer.stop()
