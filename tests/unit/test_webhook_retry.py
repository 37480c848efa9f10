"""The webhook sender's retry policy: backoff with full jitter, Retry-After, exhaustion, and
what each HTTP answer means."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from leads.webhooks.answers import Answer, classify, failure_reason
from leads.webhooks.retry import (
    RetryPolicy,
    backoff,
    exhausted,
    next_wait,
    parse_retry_after,
)

NOW = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)
POLICY = RetryPolicy(base=1.0, cap=300.0, max_attempts=8, max_age=dt.timedelta(hours=1),
                     client_error_attempts=3)


@pytest.mark.parametrize(("header", "seconds"), [
    ("120", 120.0),
    (" 0 ", 0.0),
    ("Fri, 04 Dec 2026 12:02:30 GMT", 150.0),
    ("Friday, 04-Dec-26 12:01:00 GMT", 60.0),  # RFC 850, obsolete but allowed
    ("Fri Dec  4 12:00:10 2026", 10.0),  # asctime, no zone: GMT
    ("Fri, 04 Dec 2026 11:00:00 GMT", 0.0),  # in the past
    ("-5", None),
    ("soon", None),
    ("", None),
    (None, None),
])
def test_retry_after_as_seconds_or_an_http_date(header: str | None,
                                                seconds: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == seconds


def test_the_backoff_ceiling_doubles_up_to_the_cap() -> None:
    top = [backoff(n, POLICY, rand=lambda: 0.999999) for n in range(1, 12)]
    assert top[:4] == pytest.approx([1, 2, 4, 8], rel=1e-5)
    assert max(top) == pytest.approx(300, rel=1e-5)
    assert backoff(5, POLICY, rand=lambda: 0.0) == 0.0  # full jitter reaches 0


@given(attempt=st.integers(min_value=1, max_value=10_000),
       rand=st.floats(min_value=0, max_value=1, exclude_max=True),
       retry_after=st.none() | st.floats(min_value=0, max_value=1e9))
def test_a_wait_is_never_past_the_cap_nor_before_retry_after(
        attempt: int, rand: float, retry_after: float | None) -> None:
    wait = next_wait(attempt, POLICY, retry_after=retry_after, rand=lambda: rand)
    assert 0 <= wait <= POLICY.cap
    if retry_after is not None:
        assert wait >= min(retry_after, POLICY.cap)


def test_exhaustion_by_attempts_age_or_refusals() -> None:
    young = NOW - dt.timedelta(minutes=5)
    assert exhausted(attempts=7, policy=POLICY, client_error=False, queued_since=young,
                     now=NOW) is None
    assert exhausted(attempts=8, policy=POLICY, client_error=False, queued_since=young,
                     now=NOW) == "max-attempts"
    assert exhausted(attempts=1, policy=POLICY, client_error=False,
                     queued_since=NOW - dt.timedelta(hours=1), now=NOW) == "max-age"
    assert exhausted(attempts=2, policy=POLICY, client_error=True, queued_since=young,
                     now=NOW) is None
    assert exhausted(attempts=3, policy=POLICY, client_error=True, queued_since=young,
                     now=NOW) == "client-error"


@pytest.mark.parametrize(("status", "answer"), [
    (200, Answer.DELIVERED), (204, Answer.DELIVERED), (299, Answer.DELIVERED),
    (410, Answer.GONE),
    (408, Answer.TRANSIENT), (429, Answer.TRANSIENT), (500, Answer.TRANSIENT),
    (503, Answer.TRANSIENT), (None, Answer.TRANSIENT),
    (400, Answer.REFUSED), (401, Answer.REFUSED), (404, Answer.REFUSED),
    (413, Answer.REFUSED), (301, Answer.REFUSED), (101, Answer.REFUSED),
])
def test_what_each_answer_means(status: int | None, answer: Answer) -> None:
    assert classify(status) is answer


def test_failure_reasons_are_a_closed_set() -> None:
    reasons = {failure_reason(s, e) for s in (None, 301, 400, 404, 408, 429, 500, 503)
               for e in (None, "timeout")}
    assert reasons == {"timeout", "connection", "http-3xx", "http-4xx", "http-408",
                       "http-429", "http-5xx"}


def test_a_policy_that_makes_no_sense_is_refused() -> None:
    with pytest.raises(ValueError, match="cap"):
        RetryPolicy(base=10, cap=1)
    with pytest.raises(ValueError, match="attempts"):
        RetryPolicy(max_attempts=0)
