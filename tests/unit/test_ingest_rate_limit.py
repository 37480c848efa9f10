"""Token buckets per agency, stepped by an injected clock."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.contract import Agency
from producers.ingest.rate_limit import RateLimiter


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def test_a_full_bucket_admits_a_burst_then_asks_to_wait(clock: Clock) -> None:
    limiter = RateLimiter(rate=10, burst=50, clock=clock)
    assert limiter.admit(Agency.HSI, 50) == 0
    assert limiter.admit(Agency.HSI, 1) == 1
    assert limiter.admit(Agency.HSI, 30) == 3


def test_tokens_come_back_at_the_rate(clock: Clock) -> None:
    limiter = RateLimiter(rate=10, burst=50, clock=clock)
    limiter.admit(Agency.HSI, 50)
    clock.now += 2.0
    assert limiter.admit(Agency.HSI, 20) == 0
    assert limiter.admit(Agency.HSI, 1) == 1


def test_a_refused_batch_takes_no_tokens(clock: Clock) -> None:
    limiter = RateLimiter(rate=10, burst=50, clock=clock)
    limiter.admit(Agency.HSI, 40)
    assert limiter.admit(Agency.HSI, 20) == 1
    assert limiter.admit(Agency.HSI, 10) == 0


def test_the_bucket_never_holds_more_than_the_burst(clock: Clock) -> None:
    limiter = RateLimiter(rate=10, burst=50, clock=clock)
    limiter.admit(Agency.HSI, 1)
    clock.now += 3600
    assert limiter.admit(Agency.HSI, 50) == 0
    assert limiter.admit(Agency.HSI, 1) > 0


def test_agencies_have_separate_buckets(clock: Clock) -> None:
    limiter = RateLimiter(rate=1, burst=5, clock=clock)
    assert limiter.admit(Agency.HSI, 5) == 0
    assert limiter.admit(Agency.HSI, 5) == 5
    assert limiter.admit(Agency.DEA, 5) == 0


@given(st.lists(st.tuples(st.floats(0, 5), st.integers(1, 20)), max_size=40))
def test_admitted_events_never_exceed_burst_plus_rate_times_time(
        steps: list[tuple[float, int]]) -> None:
    clock = Clock()
    start = clock.now
    limiter = RateLimiter(rate=4, burst=20, clock=clock)
    admitted = 0
    for pause, size in steps:
        clock.now += pause
        if limiter.admit(Agency.HSI, size) == 0:
            admitted += size
        assert admitted <= 20 + 4 * (clock.now - start) + 1e-9
