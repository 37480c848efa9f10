"""Feed-specific parts of the envelope: the event types each feed may carry, the shape of its
``attributes``, and what else the feed requires of the envelope."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fusion.contract.codes import Agency, Feed


class _Attributes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PoeCrossingAttributes(_Attributes):
    """A conveyance or person crossing at a port of entry."""

    direction: Literal["N", "S"]
    lane: Literal["general", "sentri", "commercial", "pedestrian"]
    outcome: Literal["admitted", "secondary", "refused", "port-runner"]


class WatchlistAttributes(_Attributes):
    """A BOLO / watchlist entry about the event's single entity."""

    entry_id: str = Field(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9._:-]+$")
    action: Literal["add", "remove"]
    reason: str = Field(default="", max_length=500)
    expires_at: AwareDatetime | None = None


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What a feed carries and who publishes it."""

    feed: Feed
    event_types: frozenset[str]
    attributes: type[_Attributes]
    publishers: frozenset[Agency]
    needs_location: bool
    exactly_one_entity: bool = False


FEEDS: dict[Feed, FeedSpec] = {
    Feed.POE_CROSSINGS: FeedSpec(
        feed=Feed.POE_CROSSINGS,
        event_types=frozenset({"crossing.vehicle", "crossing.pedestrian"}),
        attributes=PoeCrossingAttributes,
        publishers=frozenset({Agency.CBP_OFO, Agency.ANAM, Agency.CBSA}),
        needs_location=True,
    ),
    Feed.WATCHLIST: FeedSpec(
        feed=Feed.WATCHLIST,
        event_types=frozenset({"watchlist.entry"}),
        attributes=WatchlistAttributes,
        publishers=frozenset(Agency),
        needs_location=False,
        exactly_one_entity=True,
    ),
}

