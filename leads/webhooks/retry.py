"""When to try a webhook delivery again, pure: exponential backoff with full jitter,
``Retry-After`` honoured (seconds or an HTTP date) but capped, and when to give up.

    delay(attempt n) = uniform(0, min(cap, base * 2**(n-1)))       (full jitter)
    with Retry-After r: max(r, that) capped at ``cap``             (never sooner than asked)

A delivery is exhausted after ``max_attempts`` attempts, or once its lead has waited
``max_age`` since it reached the agency's topic (the record's time), whichever comes first:
measuring from the record, not the first attempt, keeps a receiver that was down for days
from making every queued lead wait ``max_age`` again in turn.
"""

from __future__ import annotations

import datetime as dt
import email.utils
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    base: float = 1.0  # seconds: the first retry's ceiling
    cap: float = 600.0  # seconds: no wait longer, whatever Retry-After asks
    max_attempts: int = 20
    max_age: dt.timedelta = dt.timedelta(hours=24)
    client_error_attempts: int = 3  # a 4xx other than 408/410/429: tried this often at most

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap < self.base:
            raise ValueError("retry base must be > 0 and cap >= base")
        if self.max_attempts < 1 or self.client_error_attempts < 1:
            raise ValueError("max attempts must be >= 1")


def parse_retry_after(value: str | None, *, now: dt.datetime) -> float | None:
    """Seconds a ``Retry-After`` header asks to wait: delta-seconds (``120``) or an
    HTTP-date (``Wed, 21 Oct 2015 07:28:00 GMT``; a past date is 0). None when absent or
    unreadable (then the backoff alone decides)."""
    if value is None:
        return None
    text = value.strip()
    if text.isdigit():
        return float(int(text))
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:  # RFC 9110 dates are GMT; the obsolete forms may lack a zone
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


def backoff(attempt: int, policy: RetryPolicy, *, rand: Callable[[], float]) -> float:
    """The wait after failed attempt number ``attempt`` (from 1): full jitter over an
    exponentially growing ceiling; ``rand()`` gives a float in [0, 1)."""
    ceiling = min(policy.cap, policy.base * 2.0 ** min(attempt - 1, 60))
    return rand() * ceiling


def next_wait(attempt: int, policy: RetryPolicy, *, retry_after: float | None,
              rand: Callable[[], float]) -> float:
    """The wait before the next attempt: the backoff, at least what Retry-After asked,
    never more than the cap."""
    wait = backoff(attempt, policy, rand=rand)
    if retry_after is not None:
        wait = max(wait, retry_after)
    return min(wait, policy.cap)


def exhausted(*, attempts: int, policy: RetryPolicy, client_error: bool,
              queued_since: dt.datetime, now: dt.datetime) -> str | None:
    """Why a delivery that just failed is given up (``max-attempts``, ``max-age``,
    ``client-error``), or None to try again."""
    if client_error and attempts >= policy.client_error_attempts:
        return "client-error"
    if attempts >= policy.max_attempts:
        return "max-attempts"
    if now - queued_since >= policy.max_age:
        return "max-age"
    return None
