"""Every Kafka topic the system uses, with its partitions and settings: the one list that the
topic-creation command, the stream apps and the tests read."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from fusion.contract.codes import Agency, Feed
from fusion.contract.feeds import FEEDS

DEAD_LETTER_TOPIC = "feeds.dlq"
CANDIDATE_LEADS_TOPIC = "internal.leads"
# Valid events for the correlation stage, repartitioned by group key: an event goes to every
# partition that owns one of its entities' keys (rules.engine.partitioning), so all events of
# one entity reach the same rule state. Its partition count is fixed: the state table is
# co-partitioned with it, and changing it re-homes every key (reset the state, then replay).
CORRELATION_TOPIC = "internal.events"
CORRELATION_PARTITIONS = 4
LATE_EVENTS_TOPIC = "internal.late-events"
# The published rule set (hot reload); compacted, so the latest one is always there.
RULE_SETS_TOPIC = "control.rule-sets"
# Who receives leads: one record per agency (a Subscription, or a tombstone when removed),
# compacted; the system of record the dispatcher routes by. Written only by the admin.
SUBSCRIPTIONS_TOPIC = "control.subscriptions"
# The dissemination audit: one hash-chained entry per decision (sent or withheld), never
# deleted (retention unlimited), one chain per partition of internal.leads; written only by
# the dispatcher, in the same Kafka transaction as the lead copies it records.
AUDIT_TOPIC = "audit.disseminations"
# Silences (fusion/contract/silence.py): one record per silence id, compacted; written only
# by the admin, in one transaction with its chained change entry on audit.silences.
SILENCES_TOPIC = "control.silences"
SILENCE_AUDIT_TOPIC = "audit.silences"
# The dispatcher's grouping state (leads/grouping.py): per lead and recipient, what was sent
# last and what is held; compacted, one partition per internal.leads partition, written in
# the dispatch transaction.
DISPATCH_GROUPS_TOPIC = "state.dispatch-groups"
# The watchlist as the intake last applied it: one record per entry (a tombstone when
# removed), compacted, so Redis (its cache) can be rebuilt when it comes back empty.
WATCHLIST_STATE_TOPIC = "state.watchlist"
# What people and partners did with leads (fusion/contract/triage.py), keyed by lead_id.
TRIAGE_TOPIC = "triage.actions"
# Webhook delivery (fusion/contract/webhooks.py). The endpoints, with their URL and signing
# secrets: compacted, keyed by endpoint id, written only by the admin, read only by the
# webhook sender. Their enabled state, apart, so that the sender (a 410 answer) can disable
# one without being able to change where leads go or what signs them.
WEBHOOK_ENDPOINTS_TOPIC = "control.webhook-endpoints"
WEBHOOK_STATES_TOPIC = "webhooks.endpoint-states"
WEBHOOK_DEAD_LETTER_TOPIC = "webhooks.dlq"
WEBHOOK_REPLAYS_TOPIC = "webhooks.replays"
# Every delivery's end (delivered, dead-lettered, endpoint disabled): one hash chain, kept for
# ever, written only by the sender, in the transaction that commits the lead's offset.
WEBHOOK_RECEIPTS_TOPIC = "audit.webhook-receipts"
# Retention reviews (fusion/contract/retention.py): one record per lead and review, purged or
# retained; kept for ever, written only by the admin (`fusion retention`).
RETENTION_REVIEWS_TOPIC = "audit.retention-reviews"
# Acknowledgement deadlines and escalation chains per agency (fusion/contract/escalation.py),
# compacted, keyed by agency code; written only by the admin (fusion escalation set).
ESCALATION_TOPIC = "control.escalation"
# Every escalation notice and reminder the escalation service sent, hash-chained like the
# dissemination audit (one chain), never deleted; written only by the escalation service.
ESCALATION_AUDIT_TOPIC = "audit.escalations"
# Valid retractions (fusion/contract/retraction.py) the intake took from the feeds, keyed by
# the retracted event's <AGENCY>/<event_id>; read by the escalation service (recalls).
RETRACTIONS_TOPIC = "internal.retractions"
FEED_TOPIC_PATTERN = re.compile(r"^feeds\.(?P<agency>[a-z0-9-]+)\.(?P<feed>[a-z0-9-]+)$")

FEED_PARTITIONS = 3
LEAD_PARTITIONS = 1


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


def feed_topic(agency: Agency, feed: Feed) -> str:
    return f"feeds.{agency.slug}.{feed.value}"


def lead_topic(agency: Agency) -> str:
    return f"leads.{agency.slug}"


def ack_topic(agency: Agency) -> str:
    """Where a partner acknowledges leads by Kafka: only that agency's principal writes it,
    so the topic says who wrote a record (Kafka records do not carry their writer)."""
    return f"acks.{agency.slug}"


def notice_topic(agency: Agency) -> str:
    """Escalation notices for ``agency`` (its duty desk, supervisor; EPIC's: the watch floor)."""
    return f"notices.{agency.slug}"


def parse_feed_topic(topic: str) -> tuple[str, str] | None:
    """``feeds.cbp-ofo.poe-crossings`` -> ``("cbp-ofo", "poe-crossings")``; None if not a feed."""
    match = FEED_TOPIC_PATTERN.match(topic)
    return (match["agency"], match["feed"]) if match else None


def feed_topics() -> list[str]:
    """Every ``feeds.<agency>.<feed>`` topic: one per feed and publishing agency."""
    return sorted(
        feed_topic(agency, spec.feed) for spec in FEEDS.values() for agency in spec.publishers
    )


@dataclass(frozen=True, slots=True)
class OwnTopics:
    """The topics of an isolated worker group (``fusion evaluate``'s own worker, a test
    module's): its own subscriptions, audit and watchlist record, named ``<topic>.<name>``,
    so that it neither routes by nor chains onto another group's."""

    name: str

    @property
    def subscriptions(self) -> str:
        return f"{SUBSCRIPTIONS_TOPIC}.{self.name}"

    @property
    def audit(self) -> str:
        return f"{AUDIT_TOPIC}.{self.name}"

    @property
    def watchlist(self) -> str:
        return f"{WATCHLIST_STATE_TOPIC}.{self.name}"

    def specs(self) -> list[TopicSpec]:
        shared = {s.name: s for s in all_topics()}
        return [TopicSpec(own, shared[base].partitions, shared[base].config)
                for own, base in ((self.subscriptions, SUBSCRIPTIONS_TOPIC),
                                  (self.audit, AUDIT_TOPIC),
                                  (self.watchlist, WATCHLIST_STATE_TOPIC))]


@dataclass(frozen=True, slots=True)
class WebhookTopics:
    """The webhook topics, or a test's own set (``<topic>.<suffix>``, like ``OwnTopics``)."""

    suffix: str = ""

    def _named(self, base: str) -> str:
        return f"{base}.{self.suffix}" if self.suffix else base

    @property
    def endpoints(self) -> str:
        return self._named(WEBHOOK_ENDPOINTS_TOPIC)

    @property
    def states(self) -> str:
        return self._named(WEBHOOK_STATES_TOPIC)

    @property
    def dead_letters(self) -> str:
        return self._named(WEBHOOK_DEAD_LETTER_TOPIC)

    @property
    def replays(self) -> str:
        return self._named(WEBHOOK_REPLAYS_TOPIC)

    @property
    def receipts(self) -> str:
        return self._named(WEBHOOK_RECEIPTS_TOPIC)

    def specs(self) -> list[TopicSpec]:
        shared = {s.name: s for s in all_topics()}
        return [TopicSpec(self._named(base), shared[base].partitions, shared[base].config)
                for base in (WEBHOOK_ENDPOINTS_TOPIC, WEBHOOK_STATES_TOPIC,
                             WEBHOOK_DEAD_LETTER_TOPIC, WEBHOOK_REPLAYS_TOPIC,
                             WEBHOOK_RECEIPTS_TOPIC)]


def all_topics() -> list[TopicSpec]:
    week_ms = str(7 * 24 * 3600 * 1000)
    specs = [TopicSpec(name, FEED_PARTITIONS, {"retention.ms": week_ms}) for name in feed_topics()]
    specs.append(TopicSpec(DEAD_LETTER_TOPIC, 1, {"retention.ms": str(30 * 24 * 3600 * 1000)}))
    specs.append(TopicSpec(CANDIDATE_LEADS_TOPIC, FEED_PARTITIONS, {"retention.ms": week_ms}))
    specs.append(TopicSpec(CORRELATION_TOPIC, CORRELATION_PARTITIONS, {"retention.ms": week_ms}))
    specs.append(TopicSpec(LATE_EVENTS_TOPIC, 1, {"retention.ms": str(30 * 24 * 3600 * 1000)}))
    specs.append(TopicSpec(RULE_SETS_TOPIC, 1, {"cleanup.policy": "compact"}))
    specs.append(TopicSpec(SUBSCRIPTIONS_TOPIC, 1, {"cleanup.policy": "compact"}))
    specs.append(TopicSpec(AUDIT_TOPIC, FEED_PARTITIONS,  # = internal.leads' partitions
                           {"retention.ms": "-1", "retention.bytes": "-1"}))
    specs.append(TopicSpec(WATCHLIST_STATE_TOPIC, 1, {"cleanup.policy": "compact"}))
    specs.append(TopicSpec(SILENCES_TOPIC, 1, {"cleanup.policy": "compact"}))
    specs.append(TopicSpec(SILENCE_AUDIT_TOPIC, 1, {"retention.ms": "-1", "retention.bytes": "-1"}))
    specs.append(TopicSpec(DISPATCH_GROUPS_TOPIC, FEED_PARTITIONS, {"cleanup.policy": "compact"}))
    specs.append(TopicSpec(TRIAGE_TOPIC, FEED_PARTITIONS,
                           {"retention.ms": "-1", "retention.bytes": "-1"}))
    specs.append(TopicSpec(WEBHOOK_ENDPOINTS_TOPIC, 1, {"cleanup.policy": "compact"}))
    specs.append(TopicSpec(WEBHOOK_STATES_TOPIC, 1, {"cleanup.policy": "compact"}))
    specs.append(TopicSpec(WEBHOOK_DEAD_LETTER_TOPIC, 1,
                           {"retention.ms": str(30 * 24 * 3600 * 1000)}))
    specs.append(TopicSpec(WEBHOOK_REPLAYS_TOPIC, 1, {"retention.ms": str(30 * 24 * 3600 * 1000)}))
    specs.append(TopicSpec(WEBHOOK_RECEIPTS_TOPIC, 1,
                           {"retention.ms": "-1", "retention.bytes": "-1"}))
    specs.append(TopicSpec(RETENTION_REVIEWS_TOPIC, 1,
                           {"retention.ms": "-1", "retention.bytes": "-1"}))
    specs.extend(
        TopicSpec(lead_topic(agency), LEAD_PARTITIONS, {"retention.ms": week_ms})
        for agency in Agency
    )
    month_ms = str(30 * 24 * 3600 * 1000)
    specs.append(TopicSpec(ESCALATION_TOPIC, 1, {"cleanup.policy": "compact"}))
    specs.append(TopicSpec(ESCALATION_AUDIT_TOPIC, 1, {"retention.ms": "-1",
                                                       "retention.bytes": "-1"}))
    specs.append(TopicSpec(RETRACTIONS_TOPIC, 1, {"retention.ms": month_ms}))
    specs.extend(TopicSpec(ack_topic(a), 1, {"retention.ms": week_ms}) for a in Agency)
    specs.extend(TopicSpec(notice_topic(a), 1, {"retention.ms": month_ms}) for a in Agency)
    return specs
