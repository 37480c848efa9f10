"""Retrying a batch while a dependency is down: the batch is neither acknowledged nor
dropped, so nothing is lost, and the worker says what it is waiting for."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from adapters.redis.client import REDIS_ERRORS
from fusion.errors import DependencyUnavailableError
from stream_apps.metrics import WorkerMetrics

T = TypeVar("T")
log = logging.getLogger(__name__)

RETRYABLE: dict[str, tuple[type[BaseException], ...]] = {
    "redis": REDIS_ERRORS,
    "kafka": (DependencyUnavailableError,),  # what adapters.kafka raises for a failed call
}


async def retry_while_down(
    call: Callable[[], Awaitable[T]],
    *,
    dependency: str,
    metrics: WorkerMetrics,
    first_delay: float = 0.2,
    max_delay: float = 5.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> T:
    """Run ``call`` until it succeeds, backing off while ``dependency`` fails."""
    delay = first_delay
    while True:
        try:
            return await call()
        except RETRYABLE[dependency] as exc:
            metrics.dependency_errors.labels(dependency).inc()
            log.warning("%s unavailable (%s); retrying the batch in %.1fs", dependency, exc, delay)
            await sleep(delay)
            delay = min(delay * 2, max_delay)
