"""Settings of the ingestion paths, from ``FUSION_INGEST_*`` (and the shared ``FUSION_*``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, model_validator
from pydantic_settings import SettingsConfigDict

from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings, EventTimeSettings

# kafka-python's max_request_size and the broker's message.max.bytes are 1 MiB by default;
# an event close to that would be refused by the producer after validation.
MAX_RECORD_BYTES = 900_000


class IngestSettings(ConnectionSettings, EventTimeSettings):
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
    ingest_max_event_bytes: int = Field(
        default=512 * 1024, gt=0, le=MAX_RECORD_BYTES,
        description="One event's size as compact JSON, at most: half the broker's and the "
                    "producer's 1 MiB record limit, which leaves room for the key, headers "
                    "and the few bytes the validated event may add.")
    ingest_max_depth: int = Field(
        default=32, ge=4,
        description="Containers nested in a body, at most (a batch of events needs 6 or so).")
    ingest_dedup_horizon: float = Field(
        default=3600.0, gt=0,
        description="Seconds an event on its feed topic is remembered, so that a batch posted "
                    "again within them is not published again. Read back from the feed "
                    "topics at start, at about 8,000 records/s: an hour of 200 events/s "
                    "takes 90 s.")
    ingest_dedup_capacity: int = Field(
        default=1_000_000, gt=0,
        description="Events remembered at most (about 100 bytes each); past it the oldest "
                    "are forgotten first and the horizon held is shorter.")
    ingest_catch_up_timeout: float = Field(
        default=10.0, gt=0,
        description="Seconds a batch may wait for the feed topics to be read up to their end "
                    "before it is answered 503.")
    ingest_start_timeout: float = Field(
        default=300.0, gt=0,
        description="Seconds the server may take at start to read the horizon's events.")

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
        if self.ingest_max_event_bytes > self.ingest_max_body_bytes:
            raise ConfigurationError(
                f"FUSION_INGEST_MAX_EVENT_BYTES ({self.ingest_max_event_bytes}) is above "
                f"FUSION_INGEST_MAX_BODY_BYTES ({self.ingest_max_body_bytes})")
        return self
