"""What a receiver's answer to a webhook means for the sender, pure.

    2xx                    delivered: the lead's offset may be committed
    410 Gone               the receiver asks to stop: the endpoint is disabled (the lead
                           stays queued, undelivered, for when an admin enables it again)
    408, 429, 5xx          transient: try again (backoff, Retry-After)
    no answer              transient (refused connection, timeout, reset): try again
    other 4xx, 3xx, 1xx    the receiver refuses this request (bad route, auth, size):
                           tried ``client_error_attempts`` times (a receiver being
                           re-deployed or re-keyed gets a short chance), then dead-lettered
                           so one bad endpoint does not hold its queue for ``max_age``.
                           Redirects are never followed: a signed lead goes to the URL an
                           admin registered, nowhere else.
"""

from __future__ import annotations

from enum import StrEnum


class Answer(StrEnum):
    DELIVERED = "delivered"
    GONE = "gone"
    TRANSIENT = "transient"
    REFUSED = "refused"


def classify(status: int | None) -> Answer:
    """The meaning of an HTTP status (None: no answer at all)."""
    if status is None:
        return Answer.TRANSIENT
    if 200 <= status < 300:
        return Answer.DELIVERED
    if status == 410:
        return Answer.GONE
    if status in (408, 429) or 500 <= status < 600:
        return Answer.TRANSIENT
    return Answer.REFUSED


def failure_reason(status: int | None, error: str | None) -> str:
    """A failure's reason as a metric label from a closed set: ``http-<class>xx``,
    ``http-429``, ``http-408``, ``timeout``, ``connection``."""
    if status is None:
        return "timeout" if error == "timeout" else "connection"
    if status in (408, 429):
        return f"http-{status}"
    return f"http-{status // 100}xx"
