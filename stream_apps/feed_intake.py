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
from collections.abc import Awaitable, Callable, Sequence
from functools import partial

from adapters.kafka.feed_consumer import FeedConsumer, FeedRecord
from stream_apps.backlog import Backlog
from stream_apps.dead_letters import RecordOrigin
from stream_apps.intake import IntakeStage
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import InboundRecord, OutboundRecord
from stream_apps.retry import retry_while_down

log = logging.getLogger(__name__)
Send = Callable[[Sequence[OutboundRecord]], Awaitable[None]]


def inbound(record: FeedRecord) -> InboundRecord:
    return InboundRecord(
        origin=RecordOrigin(topic=record.topic, partition=record.partition,
                            offset=record.offset, timestamp_ms=record.timestamp_ms,
                            key=record.key),
        value=record.value)


async def run_intake(consumer: FeedConsumer, stage: IntakeStage, backlog: Backlog, *,
                     send: Send, metrics: WorkerMetrics, within: float,
                     stopping: Callable[[], bool]) -> None:
    """Take batches until ``stopping()``; the consumer is started and stopped here."""
    await consumer.start()
    try:
        while not stopping():
            batch = await consumer.batch(within=within)
            if not batch:
                continue
            async with consumer.busy:  # a rebalance waits for this batch to be committed
                with metrics.batch_seconds.labels("intake").time():
                    metrics.batch_records.labels("intake").observe(len(batch))
                    records = [inbound(r) for r in batch]
                    behind = await backlog.behind(records)
                    out = await retry_while_down(partial(stage.handle, records, behind),
                                                 dependency="redis", metrics=metrics)
                    await send(out)
                    await consumer.commit(batch)
    finally:
        await consumer.stop()
