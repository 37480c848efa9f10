"""The escalation service's Prometheus metrics (``fusion escalation serve``, /metrics).
Label values come from closed sets: agencies, notice kinds, channels, outcomes, statuses."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge


class EscalationMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.rounds = Counter(
            "fusion_escalation_rounds_total",
            "Rounds of the service's loop done (acknowledgements, notices due, recalls).",
            registry=registry)
        self.overdue = Gauge(
            "fusion_escalation_overdue_leads",
            "Leads an agency was sent and has not acknowledged past their deadline.",
            registry=registry)
        self.waiting = Gauge(
            "fusion_escalation_waiting_leads",
            "Leads an agency was sent and has not acknowledged yet (past deadline or not).",
            registry=registry)
        self.notices = Counter(
            "fusion_escalation_notices_total",
            "Escalation notices and reminders committed, by kind and the agency reached.",
            ["kind", "to"], registry=registry)
        self.acknowledgements = Counter(
            "fusion_escalation_acknowledgements_total",
            "Partners' acknowledgements by channel: forwarded to triage.actions, or refused.",
            ["channel", "outcome"], registry=registry)
        self.recalls_issued = Counter(
            "fusion_recall_revisions_issued_total",
            "Recall (withdrawn) and correction revisions written to internal.leads.",
            ["status"], registry=registry)
        self.recalls_sent = Counter(
            "fusion_recalls_sent_total",
            "Recall and correction copies the dispatcher sent to earlier recipients (seen "
            "on the audit since the service started).", ["status"], registry=registry)
        self.recalls_impossible = Counter(
            "fusion_recalls_impossible_total",
            "Withdrawals or retractions of leads no longer on internal.leads (older than its "
            "retention): nothing could be sent.", registry=registry)
