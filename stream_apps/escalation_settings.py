"""Settings of the escalation service (``fusion escalation serve``); every field is a
FUSION_* variable."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from fusion.contract import AUDIT_TOPIC, CANDIDATE_LEADS_TOPIC, TRIAGE_TOPIC
from fusion.contract.principals import ESCALATION, WORKER_APP_PREFIX
from fusion.contract.topics import ESCALATION_AUDIT_TOPIC, ESCALATION_TOPIC, RETRACTIONS_TOPIC
from fusion.settings import ConnectionSettings


class EscalationSettings(ConnectionSettings):
    escalation_id: str = Field(
        default=ESCALATION, pattern=f"^{ESCALATION}[a-z0-9._-]*$",
        description="Transactional id and consumer-group prefix (the principal's ACLs grant "
                    f"{ESCALATION}*); one service per id: a second one fences the first.")
    app_id: str = Field(
        default=WORKER_APP_PREFIX, pattern=f"^{WORKER_APP_PREFIX}[a-z0-9._-]*$",
        description="FUSION_APP_ID of the worker group whose dispatcher sends the recall "
                    "revisions (stamped on them as fusion-app).")
    audit_topic: str = Field(default=AUDIT_TOPIC, pattern=f"^{AUDIT_TOPIC}",
                             description="The dissemination audit: who was sent what.")
    escalation_topic: str = Field(default=ESCALATION_TOPIC, pattern=f"^{ESCALATION_TOPIC}",
                                  description="Compacted policies (fusion escalation set).")
    escalation_audit_topic: str = Field(
        default=ESCALATION_AUDIT_TOPIC, pattern=f"^{ESCALATION_AUDIT_TOPIC}",
        description="The service's own audit chain: every notice it sent (and so, after a "
                    "restart, which it must not send again).")
    triage_topic: str = Field(default=TRIAGE_TOPIC, pattern=f"^{TRIAGE_TOPIC}",
                              description="Acknowledgements and withdrawals.")
    leads_topic: str = Field(default=CANDIDATE_LEADS_TOPIC,
                             description="The candidate leads (recalls are written here).")
    retractions_topic: str = Field(default=RETRACTIONS_TOPIC,
                                   description="Retractions the intake took.")
    horizon: float = Field(
        default=7 * 24 * 3600, gt=0,
        description="Seconds back the service reads the audit, triage actions and leads at "
                    "start: older leads are neither escalated nor recallable (internal.leads "
                    "keeps 7 days).")
    tick: float = Field(default=0.5, gt=0, le=5,
                        description="Longest wait between two checks of what is due (s).")
    escalation_host: str = "127.0.0.1"
    escalation_port: int = Field(default=6068, description="/metrics, /healthz and "
                                                           "POST /v1/acknowledgements.")
    ingest_keys_file: Path | None = Field(
        default=None, description="The API keys file (fusion ingest add-key) that "
                                  "authenticates HTTP acknowledgements; default "
                                  "FUSION_RUN_DIR/ingest-keys.json.")
    log_level: str = "info"

    @property
    def keys_file(self) -> Path:
        return self.ingest_keys_file or self.run_dir / "ingest-keys.json"
