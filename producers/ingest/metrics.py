"""Prometheus counters of the ingest endpoint. Labels come from closed sets: agency codes (or
``unknown`` before authentication) and the outcomes below."""

from __future__ import annotations

from typing import Literal

from prometheus_client import CollectorRegistry, Counter

from fusion.contract import Agency

RequestOutcome = Literal[
    "ok", "unauthorised", "too-large", "rate-limited", "bad-request", "unavailable"]
EventOutcome = Literal["accepted", "refused"]


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self._requests = Counter(
            "fusion_ingest_requests_total", "Batches posted to the ingest endpoint.",
            ["agency", "outcome"], registry=registry)
        self._events = Counter(
            "fusion_ingest_events_total", "Events in accepted batches, accepted or refused.",
            ["agency", "outcome"], registry=registry)

    def request(self, agency: Agency | None, outcome: RequestOutcome) -> None:
        self._requests.labels(agency.value if agency else "unknown", outcome).inc()

    def events(self, agency: Agency, outcome: EventOutcome, count: int) -> None:
        if count:
            self._events.labels(agency.value, outcome).inc(count)
