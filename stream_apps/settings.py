"""Settings of the stream worker (``fusion worker``); every field is a FUSION_* variable."""

from __future__ import annotations

import hashlib
import re
import socket
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field

from fusion.contract import (
    AUDIT_TOPIC,
    DISPATCH_GROUPS_TOPIC,
    SILENCES_TOPIC,
    SUBSCRIPTIONS_TOPIC,
    WATCHLIST_STATE_TOPIC,
)
from fusion.contract.dead_letter import DEAD_LETTER_PREFIX_DEFAULT, DEAD_LETTER_PREFIX_MAX
from fusion.contract.principals import WORKER_APP_PREFIX
from fusion.settings import ConnectionSettings, EventTimeSettings
from leads.redaction import FUSION_CENTER_CONTACT
from stream_apps.gc_tuning import DEFAULT_THRESHOLDS

Threshold = Annotated[int, Field(ge=0)]


class WorkerSettings(ConnectionSettings, EventTimeSettings):
    app_id: str = Field(
        default=WORKER_APP_PREFIX, pattern=f"^{WORKER_APP_PREFIX}[a-z0-9._-]*$",
        description="Faust app id = consumer group, and the prefix of Faust's own topics; it "
                    f"starts with {WORKER_APP_PREFIX!r}, the prefix the worker principal's "
                    "ACLs grant (fusion/contract/principals.py).")
    web_host: str = "127.0.0.1"
    web_port: int = Field(default=6066, description="Faust web server; serves /metrics and "
                          "/healthz, nothing else.")
    batch_size: int = Field(default=500, ge=1, description="Records handled per batch.")
    batch_within: float = Field(
        default=0.02, gt=0, description="Seconds to wait for a batch to fill before handling it."
    )
    auto_offset_reset: Literal["earliest", "latest"] = Field(
        default="earliest", description="Where a new consumer group starts reading."
    )
    data_dir: str = Field(default=".run/faust", description="Faust's local state folder.")
    log_level: str = Field(
        default="info", description="The project's own log lines (FUSION_LOG_LEVEL); Faust's, "
        "aiokafka's and kafka-python's follow FUSION_LIBRARY_LOG_LEVEL (default warning).")
    session_timeout: float = Field(
        default=10, ge=6, description="Seconds before the group drops a silent worker.")
    worker_instance: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9._-]{1,100}$",
        description="Static group membership (KIP-345): a worker restarted under the same "
        "name takes its partitions back at once, without waiting out session_timeout and a "
        "rebalance. Default: the host, the Faust data folder and the web address, which "
        "stay the same across restarts of one worker and differ between workers; two "
        "processes under one name fence each other. 'dynamic' turns it off.")

    def group_instance(self, role: str) -> str | None:
        """The static member id of this worker in the group of ``role`` (None: dynamic)."""
        name = self.worker_instance
        if name == "dynamic":
            return None
        if name is None:  # the web address too: two workers sharing a data folder differ by it
            where = f"{Path(self.data_dir).resolve()}|{self.web_host}:{self.web_port}"
            name = f"{socket.gethostname()}-{hashlib.sha256(where.encode()).hexdigest()[:12]}"
        # Kafka takes [A-Za-z0-9._-] in a group.instance.id, at most 249 characters
        return re.sub(r"[^A-Za-z0-9._-]", "_", f"{self.app_id}-{name}-{role}")[:240]
    rules_dir: str = Field(
        default="rules/catalogue",
        description="The rule catalogue to load when none was published on rules_topic.")
    subscriptions_topic: str = Field(
        default=SUBSCRIPTIONS_TOPIC, pattern=f"^{SUBSCRIPTIONS_TOPIC}",
        description="Compacted topic of subscriptions (fusion subscriptions), routed by.")
    silences_topic: str = Field(
        default=SILENCES_TOPIC, pattern=f"^{SILENCES_TOPIC}",
        description="Compacted topic of silences (fusion silences), checked at each decision.")
    dispatch_groups_topic: str = Field(
        default=DISPATCH_GROUPS_TOPIC, pattern=f"^{DISPATCH_GROUPS_TOPIC}",
        description="Compacted topic of the dispatcher's grouping state (held revisions).")
    release_contact: str = Field(
        default=FUSION_CENTER_CONTACT, min_length=3, max_length=200,
        description="The point of contact a fact-only (redacted) lead names.")
    audit_topic: str = Field(
        default=AUDIT_TOPIC, pattern=f"^{AUDIT_TOPIC}",
        description="The dissemination audit (fusion audit), one chain per partition.")
    dedup_horizon: float = Field(
        default=7 * 24 * 3600, gt=0,
        description="Seconds back the dispatcher remembers decided lead revisions (read back "
                    "from the audit at assignment): a replay within it is not sent again. "
                    "At least internal.leads' retention (7 days).")
    watchlist_state_topic: str = Field(
        default=WATCHLIST_STATE_TOPIC, pattern=f"^{WATCHLIST_STATE_TOPIC}",
        description="The watchlist's system of record; Redis is rebuilt from it when empty.")
    rules_topic: str = Field(
        default="control.rule-sets",
        description="Compacted topic of published rule sets (fusion rules publish).")
    allowed_lateness: float = Field(
        default=600, ge=0, description="Seconds of event time an event may arrive late.")
    idle_after: float = Field(
        default=5, gt=0, description="Seconds without events before event time moves on.")
    producer_batch_bytes: int = Field(
        default=512 * 1024, ge=16 * 1024, le=1_000_000,
        description="Largest record batch the producer sends to one partition (bytes); "
                    "at most the broker's message.max.bytes (1 MB by default).")
    gc_thresholds: tuple[Threshold, Threshold, Threshold] = Field(
        default=DEFAULT_THRESHOLDS,
        description="The garbage collector's thresholds (gc.set_threshold), as JSON, e.g. "
                    "[10000,50,20]; CPython's default [700,10,10] walks the rule state far "
                    "more often; a first threshold of 0 turns collection off "
                    "(stream_apps/gc_tuning.py).")
    faust_sensor: bool = Field(
        default=False,
        description="Also export Faust's per-message sensor (faust_* metrics); it cost a "
                    "quarter of the intake throughput in bench/intake.py.")
    event_dedup_horizon: float = Field(
        default=3600, gt=0,
        description="Seconds the intake remembers each (agency, event_id) it took: a repeat "
                    "within them is dropped as duplicate-event (fusion/recent_ids.py).")
    event_dedup_max_ids: int = Field(
        default=500_000, ge=4,
        description="Most event ids remembered (about 100 bytes each); past this rate the "
                    "horizon shortens instead of memory growing.")
    dead_letter_prefix_bytes: int = Field(
        default=DEAD_LETTER_PREFIX_DEFAULT, ge=0, le=DEAD_LETTER_PREFIX_MAX,
        description="Bytes of a refused record's value its dead letter copies (the rest is "
                    "described by size and SHA-256; the record stays on its topic).")

