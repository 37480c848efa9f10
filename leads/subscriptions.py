"""What an agency has asked to receive (pure model; stored by
``adapters/kafka/subscriptions.py``, on control.subscriptions), and the demo's subscribers."""

from __future__ import annotations

from typing import Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    group_interval: float = Field(
        default=60, ge=0, le=24 * 3600,
        description="Seconds: after a copy of a lead, later revisions with material news (a "
        "new rule, evidence from a new agency) are held and coalesced, and the latest goes "
        "out this long after that copy. 0: each goes out at once.")
    repeat_interval: float = Field(
        default=3600, ge=0, le=7 * 24 * 3600,
        description="Seconds: a revision with nothing material (same priority, rules and "
        "evidence agencies) waits this long after the last copy. A rising priority always "
        "goes out at once (leads/grouping.py).")

    @model_validator(mode="after")
    def _repeat_not_shorter(self) -> Self:
        if self.repeat_interval < self.group_interval:
            raise ValueError("repeat_interval must be at least group_interval")
        return self
