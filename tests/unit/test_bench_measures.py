"""The arithmetic of the issue-13 benches (bench/measures.py): records counted once per
partition, percentiles with leads that never came, slopes, spreads, lag trends, verdicts."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bench.measures import (
    Target,
    censored_percentiles,
    count_records,
    lag_trend,
    passes,
    percentile,
    ratio,
    slope,
    spread,
    window_peaks,
)


def test_a_getmany_answer_of_three_partitions_is_counted_once_per_record() -> None:
    batches = {"p0": [b"a", b"b"], "p1": [b"c"], "p2": [b"d", b"e", b"f"]}
    worked: list[bytes] = []
    assert count_records(batches, worked.append) == 6  # the old loop counted 3 x 6 = 18
    assert worked == [b"a", b"b", b"c", b"d", b"e", b"f"]


@given(st.dictionaries(st.integers(0, 7), st.lists(st.integers(), max_size=20)))
def test_count_records_is_the_number_of_records_whatever_the_partitions(
        batches: dict[int, list[int]]) -> None:
    assert count_records(batches, lambda record: None) == sum(map(len, batches.values()))


def test_nearest_rank_percentiles() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50
    assert percentile(values, 0.95) == 95
    assert percentile(values, 0.99) == 99
    assert percentile([7.0], 0.99) == 7
    with pytest.raises(ValueError, match="no values"):
        percentile([], 0.5)


def test_a_lead_that_never_came_ranks_above_every_measured_one() -> None:
    values: list[float | None] = [0.1 * n for n in range(1, 100)] + [None]
    p = censored_percentiles(values)
    assert p["p50"] == pytest.approx(5.0)
    assert p["p99"] == pytest.approx(9.9)  # rank 99 of 100 is still measured
    p = censored_percentiles([*values[:-2], None, None])
    assert p["p99"] is None  # rank 99 lands on a missing lead: unknown, and failing
    assert censored_percentiles([]) == {}
    assert censored_percentiles([None])["p50"] is None


@given(st.lists(st.one_of(st.none(), st.floats(0, 1e4)), min_size=1, max_size=60))
def test_censored_percentiles_never_decrease_with_the_rank(values: list[float | None]) -> None:
    p = censored_percentiles(values)
    ranked = [p["p50"], p["p95"], p["p99"]]
    measured = [v for v in ranked if v is not None]
    assert measured == sorted(measured)
    first_missing = next((i for i, v in enumerate(ranked) if v is None), len(ranked))
    assert all(v is None for v in ranked[first_missing:])


def test_slope_of_points_on_a_line_and_of_noise_around_it() -> None:
    assert slope([0, 1, 2, 3], [5, 7, 9, 11]) == pytest.approx(2.0)
    assert slope([10_000, 20_000, 30_000], [1e8 + 2.4e8, 1e8 + 4.8e8, 1e8 + 7.2e8]) == \
        pytest.approx(24_000)
    assert slope([0, 1, 2, 3], [0, 2, 1, 3]) == pytest.approx(0.8)
    with pytest.raises(ValueError, match="two points"):
        slope([1], [1])
    with pytest.raises(ValueError, match="distinct"):
        slope([1, 1], [1, 2])


def test_spread_is_how_far_the_series_strays_above_its_lowest_point() -> None:
    assert spread([100.0, 100.0]) == 0
    assert spread([100.0, 105.0, 110.0, 102.0]) == pytest.approx(0.10)
    with pytest.raises(ValueError, match="no values"):
        spread([])


def _samples(growth: float, n: int = 60) -> Sequence[tuple[float, int]]:
    """One sample a second; a saw-tooth of 3,000 records (a commit every 3 s) on top."""
    return [(float(t), int(200 + growth * t + 1000 * (t % 3))) for t in range(n)]


def test_a_worker_at_half_the_rate_has_a_growing_lag_one_keeping_up_a_bounded_one() -> None:
    keeping_up = lag_trend(_samples(0.0), rate=1000)
    assert keeping_up.bounded
    assert abs(keeping_up.growth_per_second) < 20
    behind = lag_trend(_samples(500.0), rate=1000)
    assert not behind.bounded
    assert behind.growth_per_second == pytest.approx(500, rel=0.05)
    assert behind.last_lag == _samples(500.0)[-1][1]
    with pytest.raises(ValueError, match="4 samples"):
        lag_trend(_samples(0.0, n=3), rate=1000)
    assert not lag_trend(_samples(500.0, n=8), rate=1000).bounded  # from the raw samples


def test_window_peaks_keep_the_largest_lag_of_each_window() -> None:
    assert window_peaks([(0.0, 5), (1.0, 9), (4.9, 2), (5.0, 1), (11.0, 7)], 5.0) == [
        (0.0, 9), (5.0, 1), (10.0, 7)]


def test_a_figure_not_measured_never_passes() -> None:
    assert passes(0.9, 1.0, "<=")
    assert not passes(1.1, 1.0, "<=")
    assert passes(0.3, 0.3, ">=")
    assert not passes(None, 1.0, "<=")
    assert not passes(float("nan"), 1.0, ">=")
    target = Target("p99", None, 1.0, "<=", "s")
    assert not target.passed
    assert target.to_json()["passed"] is False
    assert ratio(None, 3) is None
    assert ratio(1, 0) is None
    assert ratio(1, 4) == 0.25
