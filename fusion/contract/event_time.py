"""Whether an event's time is believable at the moment it is received.

An event stamped far in the future (a publisher's wrong clock, a typo in the year) would move
event time for everything after it: windows would close early and every later event would be
late; leads would carry the wrong date. One older than the feeds keep their records (7 days)
cannot be correlated with anything still around, and setting it aside as late says nothing
to its sender. Both are refused with a reason the sender sees, by the intake's clock; the
HTTP ingest can ask the same question before it publishes.

Pure: the clock's reading and the limits are passed in.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fusion.contract.dead_letter import DeadLetterReason, FieldError
from fusion.contract.decoding import Rejection
from fusion.contract.envelope import EventEnvelope


@dataclass(frozen=True, slots=True)
class EventTimeLimits:
    """How far an event's ``occurred_at`` may lie ahead of the receiver's clock
    (``max_clock_skew``) and behind it (``max_event_age``)."""

    max_clock_skew: dt.timedelta = dt.timedelta(seconds=300)
    max_event_age: dt.timedelta = dt.timedelta(days=7)

    def __post_init__(self) -> None:
        if self.max_clock_skew < dt.timedelta(0) or self.max_event_age <= dt.timedelta(0):
            raise ValueError("max_clock_skew must be >= 0 and max_event_age > 0, got "
                             f"{self.max_clock_skew} and {self.max_event_age}")


def check_event_time(event: EventEnvelope, *, now: dt.datetime,
                     limits: EventTimeLimits) -> Rejection | None:
    """A rejection when ``event.occurred_at`` is more than ``max_clock_skew`` after ``now`` or
    more than ``max_event_age`` before it; None when it is within both."""
    ahead = event.occurred_at - now
    if ahead > limits.max_clock_skew:
        return _reject(DeadLetterReason.EVENT_IN_FUTURE, "in_future",
                       f"occurred_at {event.occurred_at.isoformat()} is {_span(ahead)} after "
                       f"the receiver's clock ({now.isoformat(timespec='seconds')}); at most "
                       f"{_span(limits.max_clock_skew)} ahead is accepted "
                       "(FUSION_MAX_CLOCK_SKEW): check the publisher's clock and time zone")
    behind = now - event.occurred_at
    if behind > limits.max_event_age:
        return _reject(DeadLetterReason.EVENT_TOO_OLD, "too_old",
                       f"occurred_at {event.occurred_at.isoformat()} is {_span(behind)} "
                       f"before the receiver's clock ({now.isoformat(timespec='seconds')}); "
                       f"events older than {_span(limits.max_event_age)} "
                       "(FUSION_MAX_EVENT_AGE, the feeds' retention) are not correlated")
    return None


def _reject(reason: DeadLetterReason, problem: str, message: str) -> Rejection:
    return Rejection(reason, (FieldError(field="occurred_at", problem=problem, message=message),))


def _span(delta: dt.timedelta) -> str:
    """``delta`` readable and exact enough near the limits: '301 s', '3.2 h', '7.0 days',
    '972.1 years'."""
    seconds = delta.total_seconds()
    for unit, size in (("years", 365.25 * 86400), ("days", 86400), ("h", 3600)):
        if seconds >= 2 * size:
            return f"{seconds / size:.1f} {unit}"
    return f"{seconds:.0f} s"
