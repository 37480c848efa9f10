"""The webhook sender's settings (``FUSION_WEBHOOKS_*``, and the shared ``FUSION_*``)."""

from __future__ import annotations

import datetime as dt

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from fusion.contract.principals import WEBHOOKS_PREFIX
from fusion.contract.topics import WebhookTopics
from fusion.settings import ConnectionSettings
from leads.webhooks.retry import RetryPolicy


class WebhooksSettings(ConnectionSettings):
    model_config = SettingsConfigDict(env_prefix="FUSION_", extra="ignore")

    webhooks_topics_suffix: str = Field(
        default="", pattern=r"^[a-z0-9-]*$",
        description="Use the webhook topics <topic>.<suffix> (a test's own set); empty: "
                    "the shared ones.")
    webhooks_metrics_host: str = Field(default="127.0.0.1", description="Address of /metrics.")
    webhooks_metrics_port: int = Field(default=9467, ge=0, le=65535,
                              description="Port of the sender's /metrics (0: none).")
    webhooks_retry_base: float = Field(default=1.0, gt=0,
                              description="Seconds: the ceiling of the first retry's wait.")
    webhooks_retry_cap: float = Field(default=600.0, gt=0,
                             description="Seconds: no wait between attempts is longer, "
                                         "whatever Retry-After asks.")
    webhooks_max_attempts: int = Field(default=20, ge=1,
                              description="Attempts before a delivery is dead-lettered.")
    webhooks_max_age: float = Field(default=24 * 3600, gt=0,
                           description="Seconds since the lead reached its topic after which "
                                       "a failing delivery is dead-lettered.")
    webhooks_client_error_attempts: int = Field(
        default=3, ge=1, description="Attempts for a 4xx other than 408/410/429.")
    webhooks_request_timeout: float = Field(default=10.0, gt=0,
                                   description="Seconds for one POST, connect included.")
    webhooks_prefetch: int = Field(default=50, ge=1, le=10_000,
                          description="Lead records fetched ahead per endpoint, at most.")
    webhooks_refresh_interval: float = Field(default=2.0, gt=0,
                                    description="Seconds between reads of the endpoints.")
    webhooks_rotation_overlap: float = Field(default=24 * 3600, ge=0,
                                    description="Seconds the old secret keeps signing after "
                                                "`fusion webhooks rotate`.")

    def sender_prefix(self) -> str:
        """The sender's transactional id and the prefix of its consumer groups."""
        suffix = self.webhooks_topics_suffix
        return f"{WEBHOOKS_PREFIX}-{suffix}" if suffix else WEBHOOKS_PREFIX

    def endpoint_group(self, endpoint_id: str) -> str:
        """The consumer group of one endpoint's queue: its position in the lead topic."""
        return f"{self.sender_prefix()}-{endpoint_id}"

    def topics(self) -> WebhookTopics:
        return WebhookTopics(self.webhooks_topics_suffix)

    def policy(self) -> RetryPolicy:
        return RetryPolicy(base=self.webhooks_retry_base,
                           cap=max(self.webhooks_retry_cap, self.webhooks_retry_base),
                           max_attempts=self.webhooks_max_attempts,
                           max_age=dt.timedelta(seconds=self.webhooks_max_age),
                           client_error_attempts=self.webhooks_client_error_attempts)
