"""Delivery: an agent's send returns only once the broker confirmed every record; a refused
batch is sent again (only it), the agent is reported blocked meanwhile, and a record's counters
move once it is confirmed."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Sequence
from typing import Any

import pytest
from aiokafka.errors import MessageSizeTooLargeError
from prometheus_client import CollectorRegistry

from stream_apps.batch_send import Submitted
from stream_apps.delivery import Delivery, DeliveryStatus
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import OutboundRecord

T0 = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)


class FakeSender:
    """Answers each send with one Submitted per topic; ``refusals[topic]`` sends fail."""

    def __init__(self, refusals: dict[str, int]) -> None:
        self.refusals = dict(refusals)
        self.sent: list[list[bytes]] = []

    async def send(self, records: Sequence[OutboundRecord]) -> list[Submitted]:
        self.sent.append([r.value or b"" for r in records])
        loop = asyncio.get_running_loop()
        out = []
        for topic in dict.fromkeys(r.topic for r in records):
            future: asyncio.Future[Any] = loop.create_future()
            if self.refusals.get(topic, 0) > 0:
                self.refusals[topic] -= 1
                future.set_exception(MessageSizeTooLargeError("too large"))
            else:
                future.set_result(None)
            out.append(Submitted(topic, 0, [r for r in records if r.topic == topic], future))
        return out


def _deliver(refusals: dict[str, int], records: list[OutboundRecord],
             status: DeliveryStatus | None = None) -> tuple[FakeSender, list[float]]:
    sender, waits = FakeSender(refusals), []
    status = status or DeliveryStatus()
    metrics = WorkerMetrics(CollectorRegistry())

    async def sleep(seconds: float) -> None:
        waits.append(seconds)
        assert "intake" in status.blocked  # blocked while it waits

    delivery = Delivery(sender, agent="intake", metrics=metrics, status=status,
                        clock=lambda: T0, sleep=sleep)
    asyncio.run(delivery.send(records))
    assert status.blocked == {}
    return sender, waits


def test_a_batch_the_broker_takes_is_sent_once() -> None:
    records = [OutboundRecord("feeds.dlq", b"k", b"1"), OutboundRecord("internal.events", b"k",
                                                                       b"2")]
    sender, waits = _deliver({}, records)
    assert sender.sent == [[b"1", b"2"]]
    assert waits == []


def test_a_refused_batch_is_sent_again_until_taken_and_only_it() -> None:
    records = [OutboundRecord("feeds.dlq", b"k", b"1"), OutboundRecord("internal.events", b"k",
                                                                       b"2")]
    sender, waits = _deliver({"feeds.dlq": 3}, records)
    assert sender.sent == [[b"1", b"2"], [b"1"], [b"1"], [b"1"]]
    assert waits == [0.5, 1.0, 2.0]


def test_the_back_off_stops_growing_at_its_maximum() -> None:
    _, waits = _deliver({"feeds.dlq": 7}, [OutboundRecord("feeds.dlq", b"k", b"1")])
    assert waits == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]


def test_counters_move_once_their_record_is_confirmed() -> None:
    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry)
    letters = metrics.dead_letters.labels("schema-violation")
    valid = metrics.events_valid.labels("tips")
    records = [OutboundRecord("feeds.dlq", b"k", b"1", counts=(letters,)),
               OutboundRecord("internal.events", b"k", b"2", counts=(valid,))]
    sender = FakeSender({"feeds.dlq": 2})
    seen: list[tuple[float | None, float | None]] = []

    async def sleep(seconds: float) -> None:
        seen.append((registry.get_sample_value("fusion_dead_letters_total",
                                               {"reason": "schema-violation"}),
                     registry.get_sample_value("fusion_events_valid_total", {"feed": "tips"})))

    delivery = Delivery(sender, agent="intake", metrics=metrics,
                        status=DeliveryStatus(), clock=lambda: T0, sleep=sleep)
    asyncio.run(delivery.send(records))
    assert seen == [(0.0, 1.0), (0.0, 1.0)]  # the share confirmed, the dead letter not yet
    assert registry.get_sample_value("fusion_dead_letters_total",
                                     {"reason": "schema-violation"}) == 1
    assert registry.get_sample_value("fusion_events_valid_total", {"feed": "tips"}) == 1
    assert registry.get_sample_value("fusion_output_refusals_total",
                                     {"agent": "intake", "error": "MessageSizeTooLargeError"}) == 2
    assert registry.get_sample_value("fusion_outputs_blocked", {"agent": "intake"}) == 0


def test_the_worker_says_what_was_refused_and_what_to_do(
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.ERROR, logger="stream_apps.delivery")
    status = DeliveryStatus()
    seen: list[list[str]] = []

    async def run() -> None:
        sender = FakeSender({"feeds.dlq": 1})

        async def sleep(seconds: float) -> None:
            seen.append(status.describe())

        delivery = Delivery(sender, agent="intake",
                            metrics=WorkerMetrics(CollectorRegistry()), status=status,
                            clock=lambda: T0, sleep=sleep)
        await delivery.send([OutboundRecord("feeds.dlq", b"key", b"x" * 2000)])

    asyncio.run(run())
    (message,) = [r.getMessage() for r in caplog.records]
    assert "1 record(s) for feeds.dlq[0] (largest 2,003 bytes): MessageSizeTooLargeError" in message
    assert "not committed" in message
    assert "max.message.bytes" in message
    assert seen == [["intake: outputs refused since 2026-11-20T14:00:00+00:00: 1 record(s) for "
                     "feeds.dlq[0] (largest 2,003 bytes): MessageSizeTooLargeError: [Error 10] "
                     "MessageSizeTooLargeError: too large"]]


class Abandoned(Exception):  # noqa: N818 (stands in for the process exit)
    pass


def _abandon(what: str) -> Any:
    raise Abandoned(what)


def test_a_stop_while_refused_abandons_instead_of_committing() -> None:
    sender = FakeSender({"feeds.dlq": 99})
    delivery = Delivery(sender, agent="intake", metrics=WorkerMetrics(CollectorRegistry()),
                        status=DeliveryStatus(), clock=lambda: T0, stopping=lambda: True,
                        abandon=_abandon)
    with pytest.raises(Abandoned, match=r"intake: 1 record\(s\) for feeds\.dlq"):
        asyncio.run(delivery.send([OutboundRecord("feeds.dlq", b"k", b"1")]))
    assert len(sender.sent) == 1


def test_a_stop_while_the_broker_does_not_answer_abandons_too() -> None:
    class SilentSender:
        async def send(self, records: Sequence[OutboundRecord]) -> list[Submitted]:
            never: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            return [Submitted("leads.hsi", 0, list(records), never)]

    asked = []

    def stopping() -> bool:
        asked.append(True)
        return len(asked) >= 2

    delivery = Delivery(SilentSender(), agent="dispatch",
                        metrics=WorkerMetrics(CollectorRegistry()), status=DeliveryStatus(),
                        clock=lambda: T0, stopping=stopping, abandon=_abandon, check_every=0.01)
    with pytest.raises(Abandoned, match=r"dispatch: 1 batch\(es\) the broker has not answered"):
        asyncio.run(delivery.send([OutboundRecord("leads.hsi", b"k", b"1")]))


def _cancelled_while(delivery: Delivery, records: list[OutboundRecord]) -> None:
    """Run ``delivery.send`` until it waits, then cancel it as a shutdown cancels a task."""
    async def run() -> None:
        task = asyncio.ensure_future(delivery.send(records))
        for _ in range(50):  # let it reach its back-off wait
            await asyncio.sleep(0)
        task.cancel()
        await task
    asyncio.run(run())


def test_cancelled_while_refused_abandons() -> None:
    waits: list[float] = []

    async def forever(seconds: float) -> None:
        waits.append(seconds)
        await asyncio.Event().wait()

    delivery = Delivery(FakeSender({"feeds.dlq": 99}), agent="intake",
                        metrics=WorkerMetrics(CollectorRegistry()), status=DeliveryStatus(),
                        clock=lambda: T0, abandon=_abandon, sleep=forever)
    with pytest.raises(Abandoned, match=r"intake: cancelled while the broker refuses"):
        _cancelled_while(delivery, [OutboundRecord("feeds.dlq", b"k", b"1")])
    assert waits  # it was in its back-off when cancelled


def test_cancelled_while_healthy_lets_the_cancellation_through() -> None:
    class SilentSender:
        async def send(self, records: Sequence[OutboundRecord]) -> list[Submitted]:
            never: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            return [Submitted("leads.hsi", 0, list(records), never)]

    delivery = Delivery(SilentSender(), agent="dispatch",
                        metrics=WorkerMetrics(CollectorRegistry()), status=DeliveryStatus(),
                        clock=lambda: T0, abandon=_abandon)
    with pytest.raises(asyncio.CancelledError):
        _cancelled_while(delivery, [OutboundRecord("leads.hsi", b"k", b"1")])
