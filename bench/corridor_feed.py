"""The corridor scenario (``producers.scenario``) published for a bench: paced at a rate, or
all at once, as ``svc-simulator`` (the agencies' stand-in), with the ground truth and the
broker-confirmed publish time of every event kept for the latency and lead comparisons.

The stream is built before anything is timed (about 0.1 ms of CPU per event), so the paced
publisher only sends: a batch of rate/10 events every 0.1 s, as ``fusion simulate`` paces,
catching up at once when a batch took longer than its slot.

``with_tail`` adds what ``fusion evaluate`` publishes after the planted stream: sparse
background (nothing planted) until event time passes every expected finding's ``due_by``
plus an hour, so absence windows and stateful rules close in event time rather than waiting
for the worker's idle advance.
"""

from __future__ import annotations

import datetime as dt
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from adapters.kafka.access import KafkaAccess
from adapters.kafka.feed_publisher import FeedPublisher
from producers.scenario import CorridorScenario, Item

TAIL_SEED = 1_000_003  # as fusion evaluate: the tail's entities and event ids are its own
TAIL_PER_HOUR = 12.0
TAIL_CHUNK = 500
TAIL_MARGIN = dt.timedelta(hours=1)


@dataclass
class Published:
    """What the broker has confirmed so far (filled by the publishing thread)."""

    truths: list[dict[str, Any]] = field(default_factory=list)
    at: dict[str, dt.datetime] = field(default_factory=dict)
    count: int = 0
    first_wall: float | None = None
    last_wall: float | None = None

    def delivered(self, batch: Sequence[Item]) -> None:
        now = dt.datetime.now(dt.UTC)
        wall = time.perf_counter()
        self.first_wall = self.first_wall or wall
        self.last_wall = wall
        for item in batch:
            self.at[item.event.key] = now
            self.truths.extend(t.to_json() for t in item.completes)
        self.count += len(batch)

    def achieved_rate(self) -> float | None:
        if self.first_wall is None or self.last_wall is None or self.last_wall <= self.first_wall:
            return None
        return self.count / (self.last_wall - self.first_wall)


def due(items: Sequence[Item]) -> dt.datetime | None:
    """The latest ``due_by`` of the ground truth the items complete."""
    return max((t.due_by for item in items for t in item.completes), default=None)


def with_tail(scenario: CorridorScenario, items: list[Item]) -> tuple[list[Item], int]:
    """``items`` and the sparse tail after them; how many tail events were added."""
    newest = max((item.event.occurred_at for item in items), default=scenario.start)
    until = (due(items) or newest) + TAIL_MARGIN
    if newest >= until:
        return items, 0
    tail = list(tail_items(scenario, newest, until))
    return items + tail, len(tail)


def tail_items(scenario: CorridorScenario, after: dt.datetime,
               until: dt.datetime) -> Iterator[Item]:
    tail = CorridorScenario(scenario.seed + TAIL_SEED, start=after, per_hour=TAIL_PER_HOUR,
                            chunk_events=TAIL_CHUNK, plant=False)
    for item in tail.items(None):
        yield item
        if item.event.occurred_at >= until:
            return


def slots(rate: float) -> tuple[int, float]:
    """Events per batch and seconds between batches for ``rate`` events/s."""
    size = max(1, int(rate // 10))
    return size, size / rate


def publish_paced(access: KafkaAccess, items: Sequence[Item], published: Published, *,
                  rate: float, stop: threading.Event | None = None) -> float:
    """Publish ``items`` at ``rate`` per second; returns the seconds it took."""
    stop = stop or threading.Event()
    size, interval = slots(rate)
    began = time.perf_counter()
    with FeedPublisher(access, client_id="bench-feed") as publisher:
        for n, start in enumerate(range(0, len(items), size)):
            wait = began + n * interval - time.perf_counter()
            if wait > 0 and stop.wait(wait):
                break
            _send(publisher, items[start:start + size], published, "published")
    print(file=sys.stderr)
    return time.perf_counter() - began


def publish_all(access: KafkaAccess, items: Sequence[Item], published: Published, *,
                chunk: int = 2000) -> float:
    """Publish as fast as the broker takes them; returns the seconds it took."""
    began = time.perf_counter()
    with FeedPublisher(access, client_id="bench-feed") as publisher:
        for start in range(0, len(items), chunk):
            _send(publisher, items[start:start + chunk], published, "published")
    print(file=sys.stderr)
    return time.perf_counter() - began


def _send(publisher: FeedPublisher, batch: Sequence[Item], published: Published,
          label: str) -> None:
    publisher.publish(item.event for item in batch)
    published.delivered(batch)
    if published.count % 5000 < len(batch):
        print(f"  {label} {published.count}", end="\r", file=sys.stderr)
