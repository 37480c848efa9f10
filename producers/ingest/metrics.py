"""Prometheus metrics of the ingest endpoint. Labels come from closed sets: agency codes (or
``unknown`` before authentication) and the outcomes below."""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter, Gauge

from fusion.contract import Agency
from producers.ingest.accepted import AcceptedEvents

RequestOutcome = Literal[
    "ok", "unauthorised", "too-large", "rate-limited", "bad-request", "refused", "unavailable"]
EventOutcome = Literal["accepted", "already-accepted", "refused"]


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._requests = Counter(
            "fusion_ingest_requests_total", "Batches posted to the ingest endpoint.",
            ["agency", "outcome"], registry=registry)
        self._events = Counter(
            "fusion_ingest_events_total",
            "Events of checked batches: accepted (published now), already-accepted (on their "
            "topic before, not published again) or refused (the batch was answered 413/422).",
            ["agency", "outcome"], registry=registry)

    def request(self, agency: Agency | None, outcome: RequestOutcome) -> None:
        self._requests.labels(agency.value if agency else "unknown", outcome).inc()

    def events(self, agency: Agency, outcome: EventOutcome, count: int) -> None:
        if count:
            self._events.labels(agency.value, outcome).inc(count)

    def watch(self, accepted: AcceptedEvents) -> None:
        """Gauges of the memory of published events, read at each scrape."""
        Gauge("fusion_ingest_remembered_events",
              "Events remembered as on their feed topics (a batch posted again skips them).",
              registry=self.registry).set_function(lambda: len(accepted))
        Gauge("fusion_ingest_remembered_seconds",
              "Age of the oldest remembered event: the dedup horizon actually held.",
              registry=self.registry).set_function(accepted.span)
        Gauge("fusion_ingest_forgotten_early",
              "Events forgotten before the horizon because the memory was full.",
              registry=self.registry).set_function(lambda: accepted.forgotten_early)
