"""What an agency has asked to receive (pure model; stored by
``adapters/kafka/subscriptions.py``, on control.subscriptions), and the demo's subscribers."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from fusion.contract import Agency, Priority

DEMO_SUBSCRIBERS = (Agency.CBP_OFO, Agency.HSI, Agency.DEA, Agency.ATF, Agency.EPIC,
                    Agency.TX_DPS, Agency.ANAM, Agency.GN)
"""Who ``fusion subscriptions seed-demo`` subscribes to everything, and whom the corridor
simulator's ground truth expects as recipients."""


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
