"""RecentIds: repeats within the horizon are seen, replays (same position) are not repeats,
memory stays bounded whatever the rate, and nothing is remembered much past the horizon."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.recent_ids import RecentIds


def test_a_repeat_at_another_position_is_seen_before() -> None:
    ids = RecentIds(horizon=60, max_ids=100)
    assert not ids.seen_before("HSI/e-1", ("t", 0, 1), now=0)
    assert ids.seen_before("HSI/e-1", ("t", 0, 2), now=1)
    assert ids.seen_before("HSI/e-1", ("t", 1, 1), now=2)
    assert not ids.seen_before("DEA/e-1", ("t", 0, 3), now=3)  # another agency's event


def test_the_same_record_read_again_is_no_repeat() -> None:
    ids = RecentIds(horizon=60, max_ids=100)
    for _ in range(3):
        assert not ids.seen_before("HSI/e-1", ("t", 0, 1), now=0)
    assert ids.seen_before("HSI/e-1", ("t", 0, 9), now=0)
    assert ids.seen_before("HSI/e-1", ("t", 0, 9), now=0)  # the repeat read again: a repeat


def test_ids_older_than_the_horizon_are_forgotten() -> None:
    ids = RecentIds(horizon=60, max_ids=100, generations=4)
    ids.seen_before("HSI/e-1", ("t", 0, 1), now=0)
    assert ids.seen_before("HSI/e-1", ("t", 0, 2), now=45)  # within 3/4 of the horizon
    for t in range(46, 140):  # traffic keeps the generations turning
        ids.seen_before(f"HSI/x-{t}", ("t", 0, t), now=t)
    assert not ids.seen_before("HSI/e-1", ("t", 0, 3), now=140)


def test_silence_longer_than_the_horizon_forgets_everything() -> None:
    ids = RecentIds(horizon=60, max_ids=100)
    ids.seen_before("HSI/e-1", ("t", 0, 1), now=0)
    assert not ids.seen_before("HSI/e-1", ("t", 0, 2), now=1000)
    assert len(ids) == 1


def test_memory_stays_at_max_ids_and_the_horizon_shortens() -> None:
    ids = RecentIds(horizon=3600, max_ids=1000, generations=4)
    for n in range(10_000):
        ids.seen_before(f"HSI/e-{n}", ("t", 0, n), now=n / 100)  # 100 events/s
    assert len(ids) <= 1000
    assert ids.horizon_now(100.0) <= 10  # 1000 ids at 100/s reach back 10 s at most
    assert ids.seen_before("HSI/e-9999", ("t", 0, -1), now=100.0)


@given(st.lists(st.tuples(st.integers(0, 50), st.floats(0, 5)), max_size=300),
       st.integers(4, 40))
def test_never_more_than_max_ids(arrivals: list[tuple[int, float]], max_ids: int) -> None:
    ids = RecentIds(horizon=10, max_ids=max_ids)
    now = 0.0
    for n, (key, step) in enumerate(arrivals):
        now += step
        ids.seen_before(f"A/{key}", ("t", 0, n), now=now)
        assert len(ids) <= max_ids


@given(st.lists(st.floats(0.01, 2), min_size=1, max_size=200))
def test_a_repeat_within_three_quarters_of_the_horizon_is_always_seen(steps: list[float]
                                                                       ) -> None:
    """Below max_ids per horizon, every id stays at least (generations-1)/generations."""
    ids = RecentIds(horizon=100, max_ids=10_000, generations=4)
    now, seen_at = 0.0, {}
    for n, step in enumerate(steps):
        now += step
        ids.seen_before(f"A/{n}", ("t", 0, n), now=now)
        seen_at[n] = now
    for n, at in seen_at.items():
        if now - at <= 75:
            assert ids.seen_before(f"A/{n}", ("t", 1, n), now=now)


def test_bad_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="horizon"):
        RecentIds(horizon=0, max_ids=10)
    with pytest.raises(ValueError, match="max_ids"):
        RecentIds(horizon=1, max_ids=2, generations=4)


def test_again_says_whether_a_key_was_noted_within_the_horizon_at_any_position() -> None:
    from fusion.recent_ids import RecentIds

    ids = RecentIds(horizon=60, max_ids=1000)
    assert ids.again("CBP-OFO/x-1", now=0) is False
    assert ids.again("CBP-OFO/x-1", now=30) is True
    assert ids.again("CBP-OFO/x-2", now=30) is False
    assert ids.again("CBP-OFO/x-1", now=200) is False  # the horizon has passed
