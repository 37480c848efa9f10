"""The event-time rule (pure): too far ahead of the receiver's clock is event-in-future, too
far behind is event-too-old, both naming occurred_at; everything in between passes."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.contract import DeadLetterReason
from fusion.contract.event_time import EventTimeLimits, check_event_time
from stream_apps.settings import WorkerSettings
from tests.factories import T0, crossing

LIMITS = EventTimeLimits()  # 300 s ahead, 7 days behind


@pytest.mark.parametrize(("at", "reason", "problem", "words"), [
    (dt.datetime(2999, 1, 1, tzinfo=dt.UTC), DeadLetterReason.EVENT_IN_FUTURE, "in_future",
     "972.1 years after"),
    (T0 + dt.timedelta(seconds=301), DeadLetterReason.EVENT_IN_FUTURE, "in_future",
     "301 s after"),
    (dt.datetime(1986, 5, 1, tzinfo=dt.UTC), DeadLetterReason.EVENT_TOO_OLD, "too_old",
     "40.6 years before"),
    (T0 - dt.timedelta(days=7, seconds=1), DeadLetterReason.EVENT_TOO_OLD, "too_old",
     "7.0 days before"),
])
def test_events_out_of_time_are_refused_naming_occurred_at(
        at: dt.datetime, reason: DeadLetterReason, problem: str, words: str) -> None:
    rejection = check_event_time(crossing(at=at), now=T0, limits=LIMITS)
    assert rejection is not None
    assert rejection.reason is reason
    (error,) = rejection.errors
    assert (error.field, error.problem) == ("occurred_at", problem)
    assert words in error.message
    assert ("FUSION_MAX_CLOCK_SKEW" if problem == "in_future" else "FUSION_MAX_EVENT_AGE") \
        in error.message


def test_the_limits_themselves_are_accepted() -> None:
    for at in (T0 + LIMITS.max_clock_skew, T0 - LIMITS.max_event_age, T0):
        assert check_event_time(crossing(at=at), now=T0, limits=LIMITS) is None


def test_offsets_in_another_time_zone_count_as_the_same_instant() -> None:
    mountain = dt.timezone(dt.timedelta(hours=-7))
    assert check_event_time(crossing(at=T0.astimezone(mountain)), now=T0, limits=LIMITS) is None


@given(st.floats(min_value=-86400 * 30, max_value=86400 * 30, allow_nan=False),
       st.floats(min_value=0, max_value=86400), st.floats(min_value=1, max_value=86400 * 10))
def test_refused_exactly_outside_the_window(offset: float, skew: float, age: float) -> None:
    limits = EventTimeLimits(max_clock_skew=dt.timedelta(seconds=skew),
                             max_event_age=dt.timedelta(seconds=age))
    at = T0 + dt.timedelta(seconds=offset)
    delta = at - T0  # as the rule sees it (microsecond resolution)
    rejection = check_event_time(crossing(at=at), now=T0, limits=limits)
    if delta > limits.max_clock_skew:
        assert rejection is not None
        assert rejection.reason is DeadLetterReason.EVENT_IN_FUTURE
    elif -delta > limits.max_event_age:
        assert rejection is not None
        assert rejection.reason is DeadLetterReason.EVENT_TOO_OLD
    else:
        assert rejection is None


def test_limits_refuse_a_negative_skew_and_a_zero_age() -> None:
    with pytest.raises(ValueError, match="max_clock_skew"):
        EventTimeLimits(max_clock_skew=dt.timedelta(seconds=-1))
    with pytest.raises(ValueError, match="max_event_age"):
        EventTimeLimits(max_event_age=dt.timedelta(0))


def test_the_worker_reads_its_limits_from_fusion_variables(
        monkeypatch: pytest.MonkeyPatch) -> None:
    assert WorkerSettings().event_time_limits == EventTimeLimits()
    monkeypatch.setenv("FUSION_MAX_CLOCK_SKEW", "172800")
    monkeypatch.setenv("FUSION_MAX_EVENT_AGE", "3600")
    assert WorkerSettings().event_time_limits == EventTimeLimits(
        max_clock_skew=dt.timedelta(days=2), max_event_age=dt.timedelta(hours=1))
