"""The bounded memory of events already on their feed topics: kept for the horizon (never
less), forgotten after it, never more than its capacity, oldest forgotten first."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from producers.ingest.accepted import AcceptedEvents


def memory(*, horizon: float = 3600, capacity: int = 100) -> tuple[AcceptedEvents, list[float]]:
    now = [10_000.0]
    return AcceptedEvents(horizon=horizon, capacity=capacity, clock=lambda: now[0],
                          bucket_seconds=60), now


def test_an_event_is_known_for_the_horizon_and_forgotten_after() -> None:
    accepted, now = memory()
    accepted.remember([("HSI/a", 10_000.0)])
    assert accepted.known(["HSI/a", "HSI/b", "DEA/a"]) == {"HSI/a"}
    now[0] += 3600
    assert accepted.known(["HSI/a"]) == {"HSI/a"}
    now[0] += 120  # past the horizon and the bucket it was filed in
    assert accepted.known(["HSI/a"]) == set()
    assert len(accepted) == 0


def test_an_event_read_back_from_long_ago_is_not_kept() -> None:
    accepted, _ = memory()
    accepted.remember([("HSI/old", 1_000.0), ("HSI/new", 9_999.0)])
    accepted.remember([])
    assert accepted.known(["HSI/old", "HSI/new"]) == {"HSI/new"}


def test_past_its_capacity_the_oldest_are_forgotten_and_counted() -> None:
    accepted, now = memory(capacity=3)
    for n in range(5):
        accepted.remember([(f"HSI/{n}", now[0] + n * 60)])
    assert len(accepted) == 3
    assert accepted.known([f"HSI/{n}" for n in range(5)]) == {"HSI/2", "HSI/3", "HSI/4"}
    assert accepted.forgotten_early == 2


def test_the_span_is_the_age_of_the_oldest_bucket() -> None:
    accepted, _ = memory()
    assert accepted.span() == 0
    accepted.remember([("HSI/a", 9_030.0)])  # filed in the bucket from 9,000 s
    assert accepted.span() == pytest.approx(1_000)


def test_a_key_remembered_twice_counts_once() -> None:
    accepted, _ = memory()
    accepted.remember([("HSI/a", 9_990.0), ("HSI/a", 9_995.0)])
    accepted.remember([("HSI/a", 9_999.0)])
    assert len(accepted) == 1


@given(events=st.lists(st.tuples(st.integers(0, 30), st.floats(0, 7200)), max_size=60),
       capacity=st.integers(1, 20), later=st.floats(0, 7200))
def test_within_the_horizon_and_the_capacity_nothing_is_forgotten(
        events: list[tuple[int, float]], capacity: int, later: float) -> None:
    now = [0.0]
    accepted = AcceptedEvents(horizon=3600, capacity=capacity, clock=lambda: now[0],
                              bucket_seconds=60)
    for key, at in sorted(events, key=lambda e: e[1]):
        now[0] = at
        accepted.remember([(f"HSI/{key}", at)])
        assert len(accepted) <= capacity
    now[0] = max((at for _, at in events), default=0.0) + later
    keys = {f"HSI/{key}" for key, _ in events}
    known = accepted.known(keys)
    recent = {f"HSI/{key}" for key, at in events if at >= now[0] - 3600}
    if len({k for k, _ in events}) <= capacity:
        assert recent <= known  # every event of the horizon is still known
    assert len(known) <= capacity
