"""``fusion simulate``: publishes the watchlist, then crossings at a steady rate, until the
duration runs out or Ctrl-C. Exposes its own metrics over HTTP."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from prometheus_client import CollectorRegistry, Counter, start_http_server
from pydantic import Field

from adapters.kafka.access import kafka_access
from adapters.kafka.feed_publisher import FeedPublisher
from fusion.contract.principals import SIMULATOR
from fusion.settings import ConnectionSettings
from producers.scenario import CorridorScenario, Item
from producers.traffic import TrafficGenerator

log = logging.getLogger(__name__)


class SimulatorSettings(ConnectionSettings):
    simulator_metrics_host: str = "127.0.0.1"
    simulator_metrics_port: int = Field(default=9464, description="0 turns the endpoint off")


def run_simulator(
    settings: SimulatorSettings, *, seed: int, rate: float, duration: float | None,
    stop: threading.Event | None = None,
) -> int:
    """Publish until ``duration`` seconds pass (None: forever) or ``stop`` is set."""
    stop = stop or threading.Event()
    published = _published_counter(settings)
    traffic = TrafficGenerator(seed)
    deadline = time.monotonic() + duration if duration is not None else None
    access = kafka_access(settings, SIMULATOR)
    with FeedPublisher(access, client_id="fusion-simulator") as publisher:
        publisher.publish(traffic.watchlist(at=_now()))
        published.labels("watchlist").inc(len(traffic.watchlisted))
        crossings = traffic.crossings(_paced(rate, stop=stop, deadline=deadline))
        total = 0
        while True:
            batch = [event for _, event in zip(range(max(1, int(rate // 10))), crossings,
                                               strict=False)]
            if not batch:
                break
            publisher.publish(batch)
            published.labels("poe-crossings").inc(len(batch))
            total += len(batch)
    log.info("simulator published %d crossings", total)
    return total


def _published_counter(settings: SimulatorSettings) -> Counter:
    """The simulator's one metric, served over HTTP unless the port is 0."""
    registry = CollectorRegistry()
    published = Counter("fusion_simulator_events_published_total",
                        "Events the simulator delivered to the broker.", ["feed"],
                        registry=registry)
    if settings.simulator_metrics_port:
        start_http_server(settings.simulator_metrics_port, settings.simulator_metrics_host,
                          registry=registry)
    return published


def _paced(rate: float, *, stop: threading.Event, deadline: float | None) -> Iterator[dt.datetime]:
    """Yields the current time ``rate`` times a second until stopped or past the deadline."""
    interval = 1.0 / rate
    next_at = time.monotonic()
    while not stop.is_set() and (deadline is None or time.monotonic() < deadline):
        wait = next_at - time.monotonic()
        if wait > 0 and stop.wait(wait):
            return
        next_at += interval
        yield _now()


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def run_corridor(
    settings: SimulatorSettings, scenario: CorridorScenario, *, rate: float,
    total: int | None, ground_truth: Path | None, stop: threading.Event | None = None,
    on_delivered: Callable[[Sequence[Item]], None] | None = None,
) -> int:
    """Publish the corridor scenario at ``rate`` events per second (wall time) until ``total``
    events (None: forever) or ``stop``. Each ground-truth record is appended to
    ``ground_truth`` once all its events are delivered; ``on_delivered`` is called with each
    batch once the broker has it."""
    stop = stop or threading.Event()
    published = _published_counter(settings)
    items = scenario.items(total)
    ticks = _paced(rate, stop=stop, deadline=None)
    size = max(1, int(rate // 10))
    sent = 0
    truth_file = ground_truth.open("a", encoding="utf-8") if ground_truth else None
    try:
        with FeedPublisher(kafka_access(settings, SIMULATOR),
                           client_id="fusion-simulator") as publisher:
            while True:
                batch = [item for _, item in zip(_take(ticks, size), items, strict=False)]
                if not batch:
                    break
                publisher.publish(item.event for item in batch)
                sent += len(batch)
                if on_delivered is not None:
                    on_delivered(batch)
                for item in batch:
                    published.labels(item.event.feed.value).inc()
                    if truth_file is not None:
                        for truth in item.completes:
                            truth_file.write(json.dumps(truth.to_json(), sort_keys=True,
                                                        ensure_ascii=False) + "\n")
                if truth_file is not None:
                    truth_file.flush()
    finally:
        if truth_file is not None:
            truth_file.close()
    log.info("simulator published %d corridor events", sent)
    return sent


def _take(ticks: Iterator[dt.datetime], n: int) -> Iterator[dt.datetime]:
    for _, tick in zip(range(n), ticks, strict=False):
        yield tick
