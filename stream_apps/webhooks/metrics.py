"""The webhook sender's Prometheus metrics, on its own registry and /metrics listener.
Labels come from closed sets: agency codes, failure reasons (``answers.failure_reason``),
dead-letter reasons (``retry.exhausted``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge


@dataclass
class WebhookMetrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.attempts = Counter("fusion_webhook_attempts", "POSTs tried, per agency",
                                ["agency"], registry=r)
        self.failures = Counter("fusion_webhook_failures",
                                "Attempts that failed, per agency and reason "
                                "(timeout, connection, http-408, http-429, http-3xx, "
                                "http-4xx, http-5xx)", ["agency", "reason"], registry=r)
        self.delivered = Counter("fusion_webhook_delivered",
                                 "Lead revisions delivered (2xx, receipt committed)",
                                 ["agency"], registry=r)
        self.dead_lettered = Counter("fusion_webhook_dead_letters",
                                     "Deliveries given up (max-attempts, max-age, "
                                     "client-error, unreadable-lead)", ["agency", "reason"],
                                     registry=r)
        self.disabled = Counter("fusion_webhook_endpoints_disabled",
                                "Endpoints disabled by a 410 answer", ["agency"], registry=r)
        self.oldest = Gauge("fusion_webhook_oldest_undelivered_seconds",
                            "Age of the oldest lead an endpoint of the agency is still "
                            "trying to deliver (0: none pending)", ["agency"], registry=r)
        self.endpoints = Gauge("fusion_webhook_endpoints_active",
                               "Endpoints the sender delivers to now", registry=r)
