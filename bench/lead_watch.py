"""Reading what the agencies receive, and the lag, in background threads while a bench
publishes: every ``leads.<agency>`` topic from its end offsets at the start (read_committed,
as the admin; each lead stamped with the wall time it was read), and a worker group's lag
sampled every second."""

from __future__ import annotations

import threading
import time
from typing import Any

from adapters.kafka import evaluation_reader as kafka
from adapters.kafka.access import KafkaAccess
from bench.lag import GroupLag
from fusion.contract import Agency, lead_topic
from leads.deliveries import Delivery


class LeadWatch:
    """``deliveries`` grows as leads arrive; ``stop`` ends the thread."""

    def __init__(self, access: KafkaAccess) -> None:
        self._consumer = kafka.open_consumer(access)
        topics = [lead_topic(a) for a in Agency]
        self.start_offsets = kafka.end_offsets(self._consumer, topics)
        self._collector = kafka.LeadCollector(self._consumer, self.start_offsets)
        self._stop = threading.Event()
        self.last_arrival = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="lead-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                if self._collector.poll(0.1):
                    self.last_arrival = time.monotonic()
        finally:
            self._consumer.close()

    @property
    def deliveries(self) -> list[Delivery]:
        return list(self._collector.deliveries)

    def quiet_for(self) -> float:
        return time.monotonic() - self.last_arrival

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


class LagWatch:
    """Samples ``(seconds since start, lag per stage input)`` every ``every`` seconds."""

    def __init__(self, access: KafkaAccess, group: str, topics: list[str], *,
                 every: float = 1.0) -> None:
        self._lag = GroupLag(access, group, topics)
        self._every = every
        self._began = time.perf_counter()
        self.samples: list[tuple[float, dict[str, int]]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lag-watch", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            while not self._stop.wait(self._every):
                sample = self._lag.sample()
                if sample is not None:
                    self.samples.append((time.perf_counter() - self._began, sample))
        finally:
            self._lag.close()

    def latest(self) -> dict[str, int] | None:
        return self.samples[-1][1] if self.samples else None

    def between(self, begin: float, end: float) -> list[tuple[float, int]]:
        """Total lag samples taken between two ``time.perf_counter`` readings."""
        lo, hi = begin - self._began, end - self._began
        return [(t, sum(lag.values())) for t, lag in self.samples if lo <= t <= hi]

    def since_start(self, at: float) -> float:
        return at - self._began

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def table(self, *, every: float) -> list[dict[str, Any]]:
        """The samples thinned to one per ``every`` seconds, for a report."""
        out: list[dict[str, Any]] = []
        next_at = 0.0
        for t, lag in self.samples:
            if t >= next_at:
                out.append({"t": round(t, 1), **lag, "total": sum(lag.values())})
                next_at = t + every
        return out
