"""The wire contract: every model that travels on Kafka, in one place.

Producers, stream apps, the dispatcher and the tests import from here; nothing re-declares a
field. JSON Schemas in ``docs/schemas/`` are generated from these models (``fusion schemas``).
"""

from fusion.contract.codes import (
    AGENCY_COUNTRY,
    PRIORITY_ORDER,
    TLP_ORDER,
    Agency,
    Country,
    Credibility,
    Feed,
    Priority,
    SourceReliability,
    Tlp,
)
from fusion.contract.dead_letter import DeadLetter, DeadLetterReason, FieldError
from fusion.contract.decoding import Rejection, ValidEvent, decode_event
from fusion.contract.entities import (
    Container,
    Conveyance,
    Document,
    Entity,
    Firearm,
    Person,
    Phone,
    Vehicle,
)
from fusion.contract.envelope import (
    SCHEMA_VERSION,
    Coordinates,
    EventEnvelope,
    Grading,
    Handling,
    Location,
)
from fusion.contract.event_time import EventTimeLimits, check_event_time
from fusion.contract.feed_attributes import (
    ApprehensionAttributes,
    BulkCashAttributes,
    Commodity,
    Concealment,
    EsealAttributes,
    FeedAttributes,
    FirearmTraceAttributes,
    LprReadAttributes,
    PassengerInfoAttributes,
    PoeCrossingAttributes,
    RailImagingAttributes,
    SeizureAttributes,
    SeizureUnit,
    SensorAlertAttributes,
    TipAttributes,
    WatchlistAttributes,
)
from fusion.contract.feeds import FEEDS, FeedSpec
from fusion.contract.lead import EvidenceRef, Lead, LeadId, RuleHit, ScoreContribution
from fusion.contract.ports import Port
from fusion.contract.topics import (
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_PARTITIONS,
    CORRELATION_TOPIC,
    DEAD_LETTER_TOPIC,
    LATE_EVENTS_TOPIC,
    RULE_SETS_TOPIC,
    TopicSpec,
    all_topics,
    feed_topic,
    feed_topics,
    lead_topic,
    parse_feed_topic,
)

__all__ = [
    "AGENCY_COUNTRY", "CANDIDATE_LEADS_TOPIC", "CORRELATION_PARTITIONS", "CORRELATION_TOPIC",
    "DEAD_LETTER_TOPIC",
    "FEEDS", "LATE_EVENTS_TOPIC", "PRIORITY_ORDER", "RULE_SETS_TOPIC",
    "SCHEMA_VERSION", "TLP_ORDER", "Agency", "ApprehensionAttributes", "BulkCashAttributes",
    "Commodity", "Concealment", "Container", "Conveyance", "Coordinates", "Country", "Credibility",
    "DeadLetter", "DeadLetterReason", "Document", "Entity", "EsealAttributes", "EventEnvelope",
    "EventTimeLimits", "EvidenceRef", "Feed", "FeedAttributes", "FeedSpec", "FieldError", "Firearm",
    "FirearmTraceAttributes", "Grading", "Handling", "Lead", "LeadId", "Location",
    "LprReadAttributes", "PassengerInfoAttributes", "Person", "Phone", "PoeCrossingAttributes",
    "Port", "Priority", "RailImagingAttributes", "Rejection", "RuleHit", "ScoreContribution",
    "SeizureAttributes", "SeizureUnit", "SensorAlertAttributes", "SourceReliability",
    "TipAttributes", "Tlp", "TopicSpec", "ValidEvent", "Vehicle", "WatchlistAttributes",
    "all_topics", "check_event_time", "decode_event", "feed_topic", "feed_topics", "lead_topic",
    "parse_feed_topic",
]
