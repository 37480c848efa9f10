"""Connection settings every service shares. Each service extends them with its own."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ConnectionSettings(BaseSettings):
    """Read from ``FUSION_*`` environment variables; defaults match ``deploy/env.sh``."""

    model_config = SettingsConfigDict(env_prefix="FUSION_", extra="ignore")

    kafka_bootstrap: str = Field(default="127.0.0.1:19092", description="host:port of a broker")
    redis_url: str = Field(default="redis://127.0.0.1:16379/0")
    redis_prefix: str = Field(
        default="fusion:", description="Prefix of every Redis key; lets deployments share a server."
    )
