"""Feed-specific parts of the envelope: the event types each feed may carry, the shape of its
``attributes`` (models in ``feed_attributes.py``), and what else the feed requires of the
envelope."""

from __future__ import annotations

from dataclasses import dataclass

from fusion.contract.codes import Agency, Feed
from fusion.contract.feed_attributes import (
    ApprehensionAttributes,
    BulkCashAttributes,
    EsealAttributes,
    FeedAttributes,
    FirearmTraceAttributes,
    LprReadAttributes,
    PassengerInfoAttributes,
    PoeCrossingAttributes,
    RailImagingAttributes,
    SeizureAttributes,
    SensorAlertAttributes,
    TipAttributes,
    WatchlistAttributes,
)


@dataclass(frozen=True, slots=True)
class FeedSpec:
    """What a feed carries and who publishes it."""

    feed: Feed
    event_types: frozenset[str]
    attributes: type[FeedAttributes]
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
    # One read of one plate: the vehicle is the single entity.
    Feed.LPR_READS: FeedSpec(
        feed=Feed.LPR_READS,
        event_types=frozenset({"lpr.read"}),
        attributes=LprReadAttributes,
        publishers=frozenset({
            Agency.USBP, Agency.TX_DPS, Agency.AZ_DPS, Agency.NM_DPS, Agency.CHP, Agency.EPPD,
            Agency.PCSD, Agency.TONPD, Agency.GN,
        }),
        needs_location=True,
        exactly_one_entity=True,
    ),
    Feed.SEIZURES: FeedSpec(
        feed=Feed.SEIZURES,
        event_types=frozenset({"seizure.report"}),
        attributes=SeizureAttributes,
        publishers=frozenset({
            Agency.CBP_OFO, Agency.USBP, Agency.HSI, Agency.DEA, Agency.TX_DPS, Agency.AZ_DPS,
            Agency.NM_DPS, Agency.ANAM, Agency.GN, Agency.FGR, Agency.CBSA, Agency.RCMP,
        }),
        needs_location=True,  # seizures are analysed by place and concealment
    ),
    Feed.APPREHENSIONS: FeedSpec(
        feed=Feed.APPREHENSIONS,
        event_types=frozenset({"apprehension.report"}),
        attributes=ApprehensionAttributes,
        publishers=frozenset({Agency.USBP, Agency.TX_DPS, Agency.GN}),
        needs_location=True,
    ),
    Feed.SENSOR_ALERTS: FeedSpec(
        feed=Feed.SENSOR_ALERTS,
        event_types=frozenset({"sensor.alert"}),
        attributes=SensorAlertAttributes,
        publishers=frozenset({Agency.USBP, Agency.TONPD, Agency.GN}),
        needs_location=True,
    ),
    # Entities: the firearm (serial, make) and the purchaser (person, role "purchaser").
    Feed.FIREARM_TRACES: FeedSpec(
        feed=Feed.FIREARM_TRACES,
        event_types=frozenset({"firearm.trace"}),
        attributes=FirearmTraceAttributes,
        publishers=frozenset({Agency.ATF, Agency.FGR, Agency.HSI}),
        needs_location=False,  # a trace is a records result; the recovery place may be unknown
    ),
    Feed.BULK_CASH: FeedSpec(
        feed=Feed.BULK_CASH,
        event_types=frozenset({"cash.report"}),
        attributes=BulkCashAttributes,
        publishers=frozenset({Agency.CBP_OFO, Agency.USBP, Agency.HSI, Agency.ANAM}),
        needs_location=True,
    ),
    # Entities: the passenger (person, role "passenger") and their travel documents.
    Feed.PASSENGER_INFO: FeedSpec(
        feed=Feed.PASSENGER_INFO,
        event_types=frozenset({"api.passenger"}),
        attributes=PassengerInfoAttributes,
        publishers=frozenset({Agency.CBP_OFO, Agency.CBSA, Agency.ANAM}),
        needs_location=False,  # the airports are in the attributes
    ),
    # Entities: the container (ISO 6346 id), and the tractor when known.
    Feed.ESEAL_EVENTS: FeedSpec(
        feed=Feed.ESEAL_EVENTS,
        event_types=frozenset({"eseal.armed", "eseal.tamper", "eseal.opened", "eseal.position"}),
        attributes=EsealAttributes,
        publishers=frozenset({Agency.CBP_OFO, Agency.ANAM, Agency.CBSA}),
        needs_location=True,  # every e-seal message carries the device's position
    ),
    # Entities: the train (conveyance, mode "train").
    Feed.RAIL_IMAGING: FeedSpec(
        feed=Feed.RAIL_IMAGING,
        event_types=frozenset({"rail.anomaly"}),
        attributes=RailImagingAttributes,
        publishers=frozenset({Agency.CBP_OFO, Agency.ANAM}),
        needs_location=True,  # the rail crossing where the image was taken
    ),
    Feed.TIPS: FeedSpec(
        feed=Feed.TIPS,
        event_types=frozenset({"tip.report"}),
        attributes=TipAttributes,
        publishers=frozenset(Agency),
        needs_location=False,
    ),
}
