"""Retention review of criminal-intelligence records (28 CFR 23.20(h): reviewed, and
purged or validated for retention, within five years): the review records on
``audit.retention-reviews`` (keyed by ``lead_id``, kept for ever, written only by the
admin), one per lead and review: purged or retained, by whom, why, and what each store held
of the lead at that moment."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import AwareDatetime, Field

from fusion.contract.envelope import _Wire


class ReviewOutcome(StrEnum):
    PURGE = "purge"  # the lead's content removed where the project can remove it
    RETAIN = "retain"  # reviewed and validated: kept for another retention period


class StoreReport(_Wire):
    """What one store held of the lead when it was reviewed, and what became of it."""

    store: str = Field(max_length=300, description="A topic, or another store's name.")
    records: int = Field(ge=0, description="Records of the lead found there.")
    action: str = Field(max_length=500, description="What the purge did there, or why not.")


class RetentionReview(_Wire):
    schema_version: Literal[1] = 1
    lead_id: str = Field(pattern=r"^L-[0-9a-f]{32}$")
    outcome: ReviewOutcome
    first_disseminated_at: AwareDatetime = Field(
        description="The first 'sent' decision on the dissemination audit: the clock's start.")
    reviewed_at: AwareDatetime
    reviewed_by: str = Field(max_length=64)
    reason: str = Field(max_length=500)
    stores: list[StoreReport] = Field(default_factory=list, max_length=64)
