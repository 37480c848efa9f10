"""Settings of the ingestion paths, from ``FUSION_INGEST_*`` (and the shared ``FUSION_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings


class IngestSettings(ConnectionSettings):
    model_config = SettingsConfigDict(env_prefix="FUSION_", extra="ignore")

    ingest_keys_file: Path | None = Field(
        default=None,
        description="Agency -> SHA-256 hashes of its API keys (JSON or YAML), never the keys "
                    "themselves; default FUSION_RUN_DIR/ingest-keys.json.")
    ingest_rate: float = Field(default=200.0, gt=0,
                               description="Events per second each agency may post, sustained.")
    ingest_burst: int = Field(default=2000, gt=0,
                              description="Events an agency may post at once (bucket size).")
    ingest_max_batch: int = Field(default=1000, gt=0, description="Events per request, at most.")
    ingest_max_body_bytes: int = Field(default=5 * 1024 * 1024, gt=0,
                                       description="Request body size, at most.")

    @property
    def keys_file(self) -> Path:
        """Where the API key hashes are: FUSION_INGEST_KEYS_FILE, else in FUSION_RUN_DIR."""
        return self.ingest_keys_file or self.run_dir / "ingest-keys.json"

    @model_validator(mode="after")
    def _batch_fits_burst(self) -> IngestSettings:
        if self.ingest_max_batch > self.ingest_burst:
            raise ConfigurationError(
                f"FUSION_INGEST_MAX_BATCH ({self.ingest_max_batch}) is above "
                f"FUSION_INGEST_BURST ({self.ingest_burst}): such a batch could never be accepted")
        return self
