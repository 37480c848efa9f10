"""A batch is retried while Redis is down, with growing delays, and counted."""

from __future__ import annotations

import asyncio

import pytest
from prometheus_client import CollectorRegistry
from redis.exceptions import ConnectionError as RedisConnectionError

from stream_apps.metrics import WorkerMetrics
from stream_apps.retry import retry_while_down


def test_retries_until_the_dependency_answers() -> None:
    registry = CollectorRegistry()
    outcomes: list[Exception | str] = [RedisConnectionError("down"), OSError("refused"),
                                       RedisConnectionError("down"), "done"]
    delays: list[float] = []

    async def call() -> str:
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def fake_sleep(seconds: float) -> None:
        delays.append(seconds)

    result = asyncio.run(retry_while_down(call, dependency="redis",
                                          metrics=WorkerMetrics(registry), first_delay=1,
                                          max_delay=3, sleep=fake_sleep))
    assert result == "done"
    assert delays == [1, 2, 3]
    assert registry.get_sample_value("fusion_dependency_errors_total",
                                     {"dependency": "redis"}) == 3


def test_other_errors_are_not_retried() -> None:
    async def call() -> None:
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError, match="a bug"):
        asyncio.run(retry_while_down(call, dependency="redis",
                                     metrics=WorkerMetrics(CollectorRegistry())))
