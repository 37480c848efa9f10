"""Connection settings every service shares. Each service extends them with its own."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from fusion.contract.event_time import EventTimeLimits


class ConnectionSettings(BaseSettings):
    """Read from ``FUSION_*`` environment variables; defaults match ``deploy/env.sh``."""

    model_config = SettingsConfigDict(env_prefix="FUSION_", extra="ignore")

    kafka_bootstrap: str = Field(default="127.0.0.1:19092", description="host:port of a broker")
    kafka_username: str | None = Field(
        default=None,
        description="The principal to authenticate as (SASL SCRAM-SHA-512). Unset: each "
                    "command's own principal, with its password from credentials_dir.")
    kafka_password: SecretStr | None = Field(
        default=None, description="The password of kafka_username. Never logged.")
    run_dir: Path = Field(
        default=Path(".run"),
        description="FUSION_RUN_DIR: this checkout's local state (deploy/env.sh), ignored by git.")
    credentials_dir: Path | None = Field(
        default=None,
        description="Folder of <principal>.json credentials (mode 0600); default "
                    "FUSION_RUN_DIR/credentials, written by make up / deploy/kafka-start.sh.")
    audit_key: SecretStr | None = Field(
        default=None,
        description="The key of the audit's HMAC chain (base64). Unset: audit-key.json in "
                    "credentials_dir, made by `fusion principals sync`. Never logged.")
    redis_url: str = Field(default="redis://127.0.0.1:16379/0")
    redis_password: SecretStr | None = Field(
        default=None, description="Unset: redis.json in credentials_dir (deploy/redis-start.sh "
                                  "generates it). Never logged.")
    redis_prefix: str = Field(
        default="fusion:", description="Prefix of every Redis key; lets deployments share a server."
    )


class EventTimeSettings(BaseSettings):
    """How far an event's time may stray from the receiver's clock: the intake and the HTTP
    ingest refuse alike (``fusion/contract/event_time.py``)."""

    model_config = SettingsConfigDict(env_prefix="FUSION_", extra="ignore")

    max_clock_skew: float = Field(
        default=300, ge=0,
        description="Seconds an event's occurred_at may lie ahead of the receiver's clock; "
                    "later ones are refused as event-in-future.")
    max_event_age: float = Field(
        default=7 * 86400, gt=0,
        description="Seconds an event's occurred_at may lie behind the receiver's clock (7 "
                    "days: the feeds' retention); older ones are refused as event-too-old.")

    @property
    def event_time_limits(self) -> EventTimeLimits:
        return EventTimeLimits(max_clock_skew=dt.timedelta(seconds=self.max_clock_skew),
                               max_event_age=dt.timedelta(seconds=self.max_event_age))
