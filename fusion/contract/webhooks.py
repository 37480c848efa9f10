"""Webhook delivery on the wire: the endpoints (``control.webhook-endpoints``, admin's),
their enabled state (``webhooks.endpoint-states``), the body a receiver gets, the delivery
dead letters (``webhooks.dlq``), replay requests (``webhooks.replays``) and the hash-chained
delivery receipts (``audit.webhook-receipts``).

An endpoint belongs to one agency and receives exactly what that agency's topic
``leads.<agency>`` carries (dispatch already decided who is entitled), signed per the
Standard Webhooks spec (``leads/webhooks/signing.py``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from fusion.contract.codes import Agency
from fusion.contract.envelope import _Wire
from fusion.contract.text import Printable

EndpointName = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,31}$")]
EndpointId = Annotated[str, StringConstraints(
    pattern=r"^[a-z0-9-]{1,16}\.[a-z0-9][a-z0-9-]{0,31}$")]
Reason = Annotated[str, StringConstraints(max_length=500), Printable()]
WEBHOOK_EVENT_TYPE = "lead.revision"


def endpoint_id(agency: Agency, name: str) -> str:
    """``hsi.main``: the agency's slug and the endpoint's name."""
    return f"{agency.slug}.{name}"


class EndpointSecret(_Wire):
    """One ``whsec_`` secret and when it signs: from ``created_at`` until ``expires_at``
    (None: until the next rotation). Lives only on the endpoints topic (ACL: admin writes,
    the sender reads); never listed, never logged."""

    value: str = Field(pattern=r"^whsec_[A-Za-z0-9+/=]{32,88}$", repr=False)
    created_at: AwareDatetime
    expires_at: AwareDatetime | None = None


class WebhookEndpoint(_Wire):
    schema_version: Literal[1] = 1
    endpoint_id: EndpointId
    agency: Agency
    url: str = Field(max_length=2000, pattern=r"^https?://[^\s]+$")
    secrets: list[EndpointSecret] = Field(min_length=1, max_length=4)
    created_at: AwareDatetime = Field(
        description="Leads that reached the agency's topic from then on are delivered.")

    @model_validator(mode="after")
    def _own_agency(self) -> WebhookEndpoint:
        if not self.endpoint_id.startswith(f"{self.agency.slug}."):
            raise ValueError("an endpoint id starts with its agency's slug")
        return self


class EndpointState(_Wire):
    """Whether an endpoint receives; the latest record per endpoint wins. Written by the
    admin (``fusion webhooks enable|disable``) and by the sender (a 410 answer)."""

    schema_version: Literal[1] = 1
    endpoint_id: EndpointId
    enabled: bool
    reason: Reason
    changed_at: AwareDatetime
    changed_by: str = Field(max_length=64, description="The principal that changed it.")


class WebhookBody(_Wire):
    """What a receiver gets (Standard Webhooks' recommended shape): the lead revision as the
    agency's Kafka topic carries it."""

    type: Literal["lead.revision"] = "lead.revision"
    timestamp: AwareDatetime = Field(description="When the lead reached the agency's topic.")
    data: dict[str, Any] = Field(description="The Lead (docs/schemas/lead.schema.json).")


class DeliveryDeadLetter(_Wire):
    """A delivery given up: what, where to, why, and the exact body signed (a replay sends
    the same body under the same webhook-id, so a receiver that did get it dedupes)."""

    schema_version: Literal[1] = 1
    endpoint_id: EndpointId
    agency: Agency
    lead_id: str = Field(max_length=64)
    revision: int = Field(ge=1)
    webhook_id: str = Field(max_length=64)
    reason: str = Field(max_length=64, description="max-attempts, max-age or client-error.")
    detail: Reason
    attempts: int = Field(ge=0)
    last_status: int | None = None
    source: str = Field(max_length=300, description="topic:partition:offset of the lead.")
    queued_at: AwareDatetime
    dead_lettered_at: AwareDatetime
    body: str = Field(max_length=2_000_000)


class ReplayRequest(_Wire):
    """``fusion webhooks replay``: deliver a dead letter again (written by the admin)."""

    schema_version: Literal[1] = 1
    requested_at: AwareDatetime
    requested_by: str = Field(max_length=64)
    dead_letter: DeliveryDeadLetter


class ReceiptOutcome(StrEnum):
    DELIVERED = "delivered"
    DEAD_LETTERED = "dead-lettered"
    ENDPOINT_DISABLED = "endpoint-disabled"


class DeliveryReceipt(_Wire):
    """One delivery's end, on ``audit.webhook-receipts`` (one chain, written only by the
    sender in the transaction that commits the lead's offset): ``seq``, ``prev`` and
    ``mac`` (HMAC-SHA256 under the receipts key) as in the dissemination audit."""

    schema_version: Literal[1] = 1
    seq: int = Field(ge=0)
    endpoint_id: EndpointId
    agency: Agency
    lead_id: str = Field(max_length=64)
    revision: int = Field(ge=1)
    webhook_id: str = Field(max_length=64)
    outcome: ReceiptOutcome
    attempts: int = Field(ge=0)
    status: int | None = Field(default=None, description="The last HTTP status, if any.")
    reason: Reason
    replay: bool = False
    at: AwareDatetime
    prev: str = Field(pattern=r"^([0-9a-f]{64})?$")
    mac: str = Field(pattern=r"^[0-9a-f]{64}$")
