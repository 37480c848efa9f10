"""Publishing a checked batch once: the events already on their feed topics are not sent
again. See producers/README.md ("Why a batch posted twice is published once") for what this
guarantees and what it does not.

``PublishOnce.publish`` is blocking (kafka-python underneath); the endpoint runs it in a
thread, one batch per agency at a time, so two requests of one agency never both decide
that the same event is new.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from fusion.contract import FEEDS, Agency, EventEnvelope, feed_topic
from producers.ingest.accepted import AcceptedEvents


class EventSink(Protocol):
    def publish(self, events: Sequence[EventEnvelope]) -> object: ...


class Ledger(Protocol):
    def catch_up(self, topics: Iterable[str], *, timeout: float) -> None: ...


@dataclass(frozen=True, slots=True)
class Published:
    new: list[tuple[int, EventEnvelope]]  # sent now, delivery confirmed by the broker
    already: list[tuple[int, EventEnvelope]]  # on their topic before: not sent again


def agency_topics(agency: Agency) -> list[str]:
    """Every feed topic ``agency`` may publish on: where an event of it could already be."""
    return sorted(feed_topic(agency, spec.feed) for spec in FEEDS.values()
                  if agency in spec.publishers)


class PublishOnce:
    def __init__(self, *, sink: EventSink, ledger: Ledger, accepted: AcceptedEvents,
                 clock: Callable[[], float], catch_up_timeout: float) -> None:
        self._sink, self._ledger, self._accepted = sink, ledger, accepted
        self._clock, self._timeout = clock, catch_up_timeout

    def publish(self, agency: Agency, events: list[tuple[int, EventEnvelope]]) -> Published:
        """Send those of ``events`` (all of ``agency``) not yet on their topics and wait for
        the broker to confirm them. Raises a ``FusionError`` (``PublishError``,
        ``DependencyUnavailableError``) when it cannot tell or the broker did not confirm."""
        self._ledger.catch_up(agency_topics(agency), timeout=self._timeout)
        known = self._accepted.known(event.key for _, event in events)
        new = [(i, e) for i, e in events if e.key not in known]
        already = [(i, e) for i, e in events if e.key in known]
        if new:
            self._sink.publish([event for _, event in new])
            now = self._clock()
            self._accepted.remember((event.key, now) for _, event in new)
        return Published(new, already)
