"""Settings of ``fusion dashboard serve``, from ``FUSION_DASHBOARD_*`` (and the shared ones)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from fusion.contract import AUDIT_TOPIC, TRIAGE_TOPIC, Priority
from fusion.contract.escalation import DEFAULT_DEADLINES
from fusion.settings import ConnectionSettings


class DashboardSettings(ConnectionSettings):
    model_config = SettingsConfigDict(env_prefix="FUSION_", extra="ignore")

    dashboard_host: str = Field(default="127.0.0.1", description="Address to listen on.")
    dashboard_port: int = Field(default=8090, ge=0, le=65535, description="The web pages.")
    dashboard_metrics_port: int = Field(
        default=9466, ge=0, le=65535,
        description="GET /metrics only (per-rule precision), on dashboard_host; 0: none.")
    dashboard_accounts_file: Path | None = Field(
        default=None, description="Officers' accounts (argon2 hashes, mode 0600); default "
                                  "FUSION_RUN_DIR/dashboard-accounts.json.")
    dashboard_session_ttl: float = Field(
        default=8 * 3600, gt=0,
        description="Seconds a session lasts without a request (a watch is 8 hours).")
    dashboard_secure_cookies: bool = Field(
        default=True, description="Secure, __Host- cookies; browsers accept them on "
                                  "http://127.0.0.1 and localhost, elsewhere serve HTTPS.")
    dashboard_login_max_failures: int = Field(
        default=5, gt=0, description="Failed logins per user name, and per client address, "
                                     "before logins are refused for the rest of the window.")
    dashboard_login_window: float = Field(
        default=900, gt=0, description="Seconds over which failed logins are counted.")
    dashboard_horizon: float = Field(
        default=7 * 86400, gt=0,
        description="Seconds back the dashboard reads leads, audit and triage at start "
                    "(7 days: the lead topics' retention).")
    audit_topic: str = Field(
        default=AUDIT_TOPIC, pattern=f"^{AUDIT_TOPIC}",
        description="The dissemination audit the worker writes (FUSION_AUDIT_TOPIC).")
    triage_topic: str = Field(
        default=TRIAGE_TOPIC, pattern=f"^{TRIAGE_TOPIC}",
        description="Where officers' actions are published and read back.")
    dashboard_ack_flash: float = Field(
        default=DEFAULT_DEADLINES[Priority.FLASH], gt=0,
        description="Seconds to acknowledge a FLASH lead.")
    dashboard_ack_immediate: float = Field(
        default=DEFAULT_DEADLINES[Priority.IMMEDIATE], gt=0,
        description="Seconds to acknowledge an IMMEDIATE lead.")
    dashboard_ack_priority: float = Field(
        default=DEFAULT_DEADLINES[Priority.PRIORITY], gt=0,
        description="Seconds to acknowledge a PRIORITY lead.")
    dashboard_ack_routine: float = Field(
        default=DEFAULT_DEADLINES[Priority.ROUTINE], gt=0,
        description="Seconds to acknowledge a ROUTINE lead.")
    dashboard_precision_days: float = Field(
        default=30, gt=0, description="Period of the precision metrics on /metrics (days).")

    @property
    def accounts_file(self) -> Path:
        return self.dashboard_accounts_file or self.run_dir / "dashboard-accounts.json"

    @property
    def ack_windows(self) -> dict[Priority, dt.timedelta]:
        seconds = {Priority.FLASH: self.dashboard_ack_flash,
                   Priority.IMMEDIATE: self.dashboard_ack_immediate,
                   Priority.PRIORITY: self.dashboard_ack_priority,
                   Priority.ROUTINE: self.dashboard_ack_routine}
        return {p: dt.timedelta(seconds=s) for p, s in seconds.items()}
