"""The worker's own Prometheus metrics. Label values come from closed sets, so they stay bounded:
feeds, dead-letter reasons, lead categories, agencies, routing outcomes, agents, topics of the
contract and Kafka error names.

Counters of what the worker publishes (valid events, dead letters, leads, late events) count a
record once the broker has confirmed it (``OutboundRecord.counts``, ``stream_apps/delivery.py``).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class WorkerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.events_valid = Counter(
            "fusion_events_valid_total",
            "Feed events that passed validation, counted once their shares are delivered.",
            ["feed"],
            registry=registry)
        self.dead_letters = Counter(
            "fusion_dead_letters_total",
            "Dead letters delivered to the dead-letter topic.", ["reason"],
            registry=registry)
        self.watchlist_changes = Counter(
            "fusion_watchlist_changes_total", "Watchlist entries added or removed.", ["action"],
            registry=registry)
        self.leads_generated = Counter(
            "fusion_leads_generated_total",
            "Leads produced by the rules and delivered to internal.leads.", ["category"],
            registry=registry)
        self.dispatch_decisions = Counter(
            "fusion_dispatch_decisions_total",
            "Routing decisions per agency: sent, or the reason it was withheld.",
            ["agency", "outcome"], registry=registry)
        self.duplicate_leads = Counter(
            "fusion_duplicate_leads_total",
            "Lead revisions not sent again because they were dispatched before (replays).",
            registry=registry)
        self.batch_seconds = Histogram(
            "fusion_batch_duration_seconds", "Time to handle one batch of records.", ["stage"],
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=registry)
        self.batch_records = Histogram(
            "fusion_batch_records", "Records per handled batch.", ["stage"],
            buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 2500), registry=registry)
        self.lead_latency = Histogram(
            "fusion_lead_dispatch_latency_seconds",
            "From a lead's generation to its delivery to the agency topics.",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry)
        self.intake_commits_refused = Counter(
            "fusion_intake_commits_refused_total",
            "Intake batches whose offsets the group refused to commit because it rebalanced "
            "while the batch was handled (its records are read again; a steady rise means "
            "the worker misses its session timeout).", registry=registry)
        self.shares_repeated = Counter(
            "fusion_shares_repeated_total",
            "Event shares a correlate lane dropped because it had taken the same event "
            "lately (its record read again after a rebalance, or a batch sent twice).",
            registry=registry)
        self.events_correlated = Counter(
            "fusion_events_correlated_total",
            "Events evaluated by the rule engine (counted once, however many partitions "
            "hold a share of them).",
            registry=registry)
        self.event_time_lag = Gauge(
            "fusion_correlation_event_time_lag_seconds",
            "Wall time minus a correlation partition's watermark: how far behind its rules "
            "run (includes the allowed lateness).", ["partition"], registry=registry)
        self.changelog_records = Counter(
            "fusion_changelog_records_total",
            "Correlation state records written to the table's changelog (one per changed key "
            "per batch).", registry=registry)
        self.states_expired = Counter(
            "fusion_rule_states_expired_total",
            "Rule states of quiet keys deleted by the sweep once the watermark passed their "
            "newest time plus the rule's span (memory given back).", registry=registry)
        self.late_events = Counter(
            "fusion_late_events_total",
            "Event shares older than their correlation partition's watermark, not evaluated, "
            "sent to internal.late-events (an event has one share per partition owning one "
            "of its keys).",
            ["feed"], registry=registry)
        self.rule_set_loads = Counter(
            "fusion_rule_set_loads_total",
            "Rule sets taken: at start, reloaded from the control topic, or refused.",
            ["outcome"], registry=registry)
        self.duplicate_events = Counter(
            "fusion_duplicate_events_total",
            "Events whose (agency, event_id) the intake had taken within the dedup horizon: "
            "dropped, with a duplicate-event dead letter.", ["feed"], registry=registry)
        self.event_dedup_ids = Gauge(
            "fusion_event_dedup_ids",
            "Event ids the intake remembers for spotting repeats (at most "
            "FUSION_EVENT_DEDUP_MAX_IDS).",
            registry=registry)
        self.event_dedup_horizon = Gauge(
            "fusion_event_dedup_horizon_seconds",
            "How far back the remembered event ids reach now (FUSION_EVENT_DEDUP_HORIZON, less "
            "while the rate fills FUSION_EVENT_DEDUP_MAX_IDS sooner).", registry=registry)
        self.output_refusals = Counter(
            "fusion_output_refusals_total",
            "Outbound record batches the broker refused (each sent again until taken), by "
            "agent and error.", ["agent", "error"], registry=registry)
        self.outputs_blocked = Gauge(
            "fusion_outputs_blocked",
            "1 while an agent waits for the broker to take a refused batch (its input is not "
            "committed meanwhile).", ["agent"], registry=registry)
        self.foreign_records = Counter(
            "fusion_foreign_records_total",
            "Internal records written by a worker of another FUSION_APP_ID, skipped.",
            ["topic"], registry=registry)
        self.shares_decoded = Counter(
            "fusion_shares_decoded_total",
            "Event shares the correlate stage took: reused (the envelope this worker's intake "
            "validated) or parsed (from the share's bytes: another worker's intake, or a "
            "restart).", ["how"], registry=registry)
        self.dependency_errors = Counter(
            "fusion_dependency_errors_total", "Failed calls to a dependency (retried).",
            ["dependency"], registry=registry)
