"""What an agency has asked to receive (pure model; stored in Redis by ``subscriptions_redis``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from fusion.contract import Agency, Priority


class Subscription(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    agency: Agency
    enabled: bool = True
    min_priority: Priority = Field(
        default=Priority.ROUTINE, description="Leads less urgent than this are not sent."
    )
    categories: frozenset[str] | None = Field(
        default=None, description="Lead categories wanted; None means every category."
    )
