"""The intake's loop when the group refuses a commit: a rebalance while a batch was handled
(this member dropped, say after missing heartbeats while a long batch held the event loop)
must not stop the worker; the batch's records are read again by the partitions' next owner."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, cast

import pytest
from aiokafka.errors import CommitFailedError, UnknownMemberIdError
from aiokafka.structs import TopicPartition
from prometheus_client import CollectorRegistry

from adapters.kafka.feed_consumer import FeedConsumer, FeedRecord
from stream_apps.backlog import Backlog
from stream_apps.feed_intake import run_intake
from stream_apps.intake import IntakeStage
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import OutboundRecord
from tests.factories import T0, crossing

TOPIC = "feeds.cbp-ofo.poe-crossings"


class _RefusingAiokafka:
    """aiokafka's consumer as it answers a commit after the group moved on."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.asked: list[dict[TopicPartition, Any]] = []

    async def commit(self, offsets: dict[TopicPartition, Any]) -> None:
        self.asked.append(offsets)
        raise self.error


def _record(offset: int) -> FeedRecord:
    value = crossing(event_id=f"c-{offset}", at=T0).model_dump_json().encode()
    return FeedRecord(TOPIC, 0, offset, None, b"k", value, ())


@pytest.mark.parametrize("error", [CommitFailedError("rebalanced"), UnknownMemberIdError()])
def test_a_commit_refused_after_a_rebalance_is_reported_not_raised(error: Exception) -> None:
    consumer = object.__new__(FeedConsumer)
    consumer.committed = {}
    consumer._consumer = _RefusingAiokafka(error)  # type: ignore[assignment]
    assert asyncio.run(consumer.commit([_record(4), _record(5)])) is False
    assert consumer.committed == {}  # the backlog report keeps the last offset really committed


class _Feed:
    """Two batches, then empty polls; the first batch's commit is refused."""

    def __init__(self) -> None:
        self.batches = [[_record(0), _record(1)], [_record(2)]]
        self.commits = 0
        self.busy = asyncio.Lock()

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def batch(self, *, within: float) -> list[FeedRecord]:
        return self.batches.pop(0) if self.batches else []

    async def commit(self, records: Sequence[FeedRecord]) -> bool:
        self.commits += 1
        return self.commits > 1  # the first refused, the next taken


class _NothingBehind:
    async def behind(self, records: object) -> set[str]:
        return set()


def test_the_intake_goes_on_after_a_refused_commit_and_counts_it() -> None:
    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry)
    feed = _Feed()
    sent: list[OutboundRecord] = []
    polls = [0]

    async def send(out: Sequence[OutboundRecord]) -> None:
        sent.extend(out)

    def stopping() -> bool:
        polls[0] += 1
        return polls[0] > 4

    stage = IntakeStage(metrics=metrics, clock=lambda: T0)
    asyncio.run(run_intake(cast("FeedConsumer", feed), stage, cast("Backlog", _NothingBehind()),
                           send=send, metrics=metrics, within=0.01, stopping=stopping))
    assert feed.commits == 2  # both batches handled: the loop went on
    assert registry.get_sample_value("fusion_intake_commits_refused_total") == 1
    assert sent  # the second batch's shares were sent too
