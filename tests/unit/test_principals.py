"""The broker's access policy (fusion/contract/principals.py) and how credentials are found
(adapters/kafka/access.py): each agency gets only its own topics, nobody but the worker
writes the internal and lead topics, nobody but the admin the control topics."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.kafka.access import kafka_access, write_credentials
from fusion.contract import (
    AUDIT_TOPIC,
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_TOPIC,
    DEAD_LETTER_TOPIC,
    DISPATCH_GROUPS_TOPIC,
    LATE_EVENTS_TOPIC,
    RULE_SETS_TOPIC,
    SILENCES_TOPIC,
    TRIAGE_TOPIC,
    Agency,
    all_topics,
    feed_topics,
    lead_topic,
    parse_feed_topic,
)
from fusion.contract.principals import (
    ADMIN,
    DASHBOARD,
    ESCALATION,
    INGEST,
    SIMULATOR,
    WEBHOOKS,
    WORKER,
    WORKER_APP_PREFIX,
    Operation,
    Resource,
    agency_of,
    agency_principal,
    allowed,
    grants,
)
from fusion.contract.topics import (
    ESCALATION_AUDIT_TOPIC,
    ESCALATION_TOPIC,
    RETRACTIONS_TOPIC,
    SUBSCRIPTIONS_TOPIC,
    ack_topic,
    notice_topic,
)
from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings

W, R = Operation.WRITE, Operation.READ
TOPIC = Resource.TOPIC
AGENCIES = st.sampled_from(list(Agency))
TOPICS = st.sampled_from([spec.name for spec in all_topics()])
SEIZURE_FEEDS = frozenset(t for t in feed_topics() if (parse_feed_topic(t) or ("", ""))[1]
                          == "seizures")
INTERNAL = [CORRELATION_TOPIC, CANDIDATE_LEADS_TOPIC, LATE_EVENTS_TOPIC, DEAD_LETTER_TOPIC]


@given(agency=AGENCIES, topic=TOPICS)
def test_an_agency_writes_exactly_its_own_feeds_and_acks(agency: Agency, topic: str) -> None:
    own = parse_feed_topic(topic) is not None and topic.startswith(f"feeds.{agency.slug}.")
    assert allowed(agency_principal(agency), TOPIC, topic, W) is (own or topic == ack_topic(agency))


@given(agency=AGENCIES, topic=TOPICS)
def test_an_agency_reads_exactly_its_own_lead_and_notice_topics(agency: Agency,
                                                                topic: str) -> None:
    assert allowed(agency_principal(agency), TOPIC, topic, R) is (
        topic in (lead_topic(agency), notice_topic(agency)))


@given(topic=TOPICS)
def test_only_the_worker_and_the_admin_write_internal_lead_and_dead_letter_topics(
        topic: str) -> None:
    if topic in INTERNAL or topic.startswith("leads."):
        writers = {p for p in (WORKER, INGEST, SIMULATOR, DASHBOARD, ESCALATION, WEBHOOKS,
                               *map(agency_principal, Agency))
                   if allowed(p, TOPIC, topic, W)}
        # the escalation service: recall revisions (internal.leads), refused acknowledgements
        escalation = topic in (CANDIDATE_LEADS_TOPIC, DEAD_LETTER_TOPIC)
        assert writers == ({WORKER, ESCALATION} if escalation else {WORKER})


def test_only_the_admin_writes_the_rule_sets() -> None:
    principals = (WORKER, INGEST, SIMULATOR, DASHBOARD, WEBHOOKS, *map(agency_principal, Agency))
    assert [p for p in principals if allowed(p, TOPIC, RULE_SETS_TOPIC, W)] == []
    assert allowed(ADMIN, TOPIC, RULE_SETS_TOPIC, W)
    assert allowed(WORKER, TOPIC, RULE_SETS_TOPIC, R)  # it takes the published rule set


def test_publishers_of_every_agency_never_write_the_dead_letter_topic() -> None:
    for principal in (INGEST, SIMULATOR):
        assert all(allowed(principal, TOPIC, t, W) for t in feed_topics())
        assert not allowed(principal, TOPIC, DEAD_LETTER_TOPIC, W)


def test_the_worker_owns_its_faust_topics_and_group() -> None:
    changelog = f"{WORKER_APP_PREFIX}-test-1-correlation-state-changelog"
    assert allowed(WORKER, TOPIC, changelog, Operation.CREATE)
    assert allowed(WORKER, Resource.GROUP, f"{WORKER_APP_PREFIX}-test-1", R)
    assert not allowed(WORKER, Resource.GROUP, "agency-hsi", R)


def test_a_partner_group_must_carry_its_prefix() -> None:
    hsi = agency_principal(Agency.HSI)
    assert allowed(hsi, Resource.GROUP, "agency-hsi-desk", R)
    assert not allowed(hsi, Resource.GROUP, "agency-dea-desk", R)
    assert not allowed(hsi, Resource.GROUP, WORKER_APP_PREFIX, R)


def test_every_grant_names_a_known_principal_and_the_policy_has_no_duplicates() -> None:
    policy = grants()
    assert len(policy) == len(set(policy))
    known = {WORKER, INGEST, SIMULATOR, DASHBOARD, ESCALATION, WEBHOOKS,
             *map(agency_principal, Agency)}
    assert {g.principal for g in policy} == known


@given(topic=TOPICS)
def test_the_dashboard_reads_leads_audit_and_triage_and_writes_only_triage(topic: str) -> None:
    reads = topic.startswith(("leads.", "audit.", "triage.")) or topic in SEIZURE_FEEDS
    assert allowed(DASHBOARD, TOPIC, topic, R) is reads
    assert allowed(DASHBOARD, TOPIC, topic, W) is topic.startswith("triage.")


def test_the_dashboard_reads_a_test_workers_own_audit_and_needs_no_group() -> None:
    assert allowed(DASHBOARD, TOPIC, f"{AUDIT_TOPIC}.test-1", R)
    assert allowed(DASHBOARD, TOPIC, TRIAGE_TOPIC, W)
    assert not allowed(DASHBOARD, TOPIC, f"{AUDIT_TOPIC}.test-1", W)
    assert not any(g.principal == DASHBOARD and g.resource is not Resource.TOPIC
                   for g in grants())
    assert SEIZURE_FEEDS  # every seizure feed, and no other feed
    for topic in feed_topics():
        assert allowed(DASHBOARD, TOPIC, topic, R) is (topic in SEIZURE_FEEDS)
        assert not allowed(DASHBOARD, TOPIC, topic, W)


def test_only_the_worker_the_dashboard_and_the_escalation_service_write_triage_actions(
        ) -> None:
    principals = (WORKER, INGEST, SIMULATOR, DASHBOARD, ESCALATION, WEBHOOKS,
                  *map(agency_principal, Agency))
    assert {p for p in principals if allowed(p, TOPIC, TRIAGE_TOPIC, W)} == {
        WORKER, DASHBOARD, ESCALATION}


@given(topic=TOPICS)
def test_the_escalation_service_writes_only_notices_its_audit_triage_dlq_and_recalls(
        topic: str) -> None:
    writes = topic.startswith(("notices.", ESCALATION_AUDIT_TOPIC, TRIAGE_TOPIC)) or topic in (
        DEAD_LETTER_TOPIC, CANDIDATE_LEADS_TOPIC)
    assert allowed(ESCALATION, TOPIC, topic, W) is writes


def test_the_escalation_service_reads_what_it_folds_and_no_lead_or_feed() -> None:
    for topic in (AUDIT_TOPIC, f"{AUDIT_TOPIC}.test-1", ESCALATION_TOPIC, TRIAGE_TOPIC,
                  ack_topic(Agency.HSI), CANDIDATE_LEADS_TOPIC, RETRACTIONS_TOPIC,
                  ESCALATION_AUDIT_TOPIC):
        assert allowed(ESCALATION, TOPIC, topic, R), topic
    for topic in (lead_topic(Agency.HSI), notice_topic(Agency.HSI), SUBSCRIPTIONS_TOPIC,
                  CORRELATION_TOPIC, *feed_topics()):
        assert not allowed(ESCALATION, TOPIC, topic, R), topic
    assert not allowed(ESCALATION, TOPIC, ESCALATION_TOPIC, W)  # only the admin sets policy
    assert not allowed(ESCALATION, TOPIC, AUDIT_TOPIC, W)  # the dispatcher's chain


def test_a_partner_acknowledges_only_on_its_own_topic() -> None:
    hsi = agency_principal(Agency.HSI)
    assert allowed(hsi, TOPIC, ack_topic(Agency.HSI), W)
    assert not allowed(hsi, TOPIC, ack_topic(Agency.DEA), W)
    assert not allowed(hsi, TOPIC, TRIAGE_TOPIC, W)
    assert not allowed(hsi, TOPIC, ack_topic(Agency.HSI), R)


@given(agency=AGENCIES)
def test_agency_principals_round_trip(agency: Agency) -> None:
    assert agency_of(agency_principal(agency)) is agency
    assert agency_of(WORKER) is None


def _settings(tmp_path: Path, **values: object) -> ConnectionSettings:
    """Settings of a folder of our own, whatever FUSION_* the environment has (make test
    exports FUSION_CREDENTIALS_DIR)."""
    defaults: dict[str, object] = {"run_dir": tmp_path, "credentials_dir": None,
                                   "kafka_username": None, "kafka_password": None}
    return ConnectionSettings(**{**defaults, **values})  # type: ignore[arg-type]


def test_credentials_come_from_the_folder_and_never_show_in_a_repr(tmp_path: Path) -> None:
    path = write_credentials(tmp_path / "credentials", "agency-hsi", "s3cret-pw")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    access = kafka_access(_settings(tmp_path), "agency-hsi")
    assert (access.username, access.password) == ("agency-hsi", "s3cret-pw")
    assert "s3cret-pw" not in repr(access)
    assert access.librdkafka()["sasl.username"] == "agency-hsi"


def test_the_environment_overrides_the_folder(tmp_path: Path) -> None:
    settings = _settings(tmp_path, kafka_username="agency-dea",
                         kafka_password="from-env")  # noqa: S106 - a test value
    access = kafka_access(settings, "agency-hsi")
    assert (access.username, access.password) == ("agency-dea", "from-env")
    with pytest.raises(ConfigurationError, match="FUSION_KAFKA_PASSWORD"):
        kafka_access(_settings(tmp_path, kafka_username="agency-dea"), "agency-hsi")


def test_missing_credentials_say_how_to_get_them(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="make up") as refused:
        kafka_access(_settings(tmp_path), "agency-hsi")
    assert "agency-hsi" in str(refused.value)
    with pytest.raises(ConfigurationError, match="not a principal"):
        kafka_access(_settings(tmp_path), "../admin")


def test_the_webhook_sender_reads_endpoints_and_leads_but_cannot_change_an_endpoint() -> None:
    from fusion.contract.principals import WEBHOOKS_PREFIX
    from fusion.contract.topics import (
        WEBHOOK_DEAD_LETTER_TOPIC,
        WEBHOOK_ENDPOINTS_TOPIC,
        WEBHOOK_RECEIPTS_TOPIC,
        WEBHOOK_STATES_TOPIC,
    )
    assert allowed(WEBHOOKS, TOPIC, lead_topic(Agency.HSI), R)
    assert not allowed(WEBHOOKS, TOPIC, lead_topic(Agency.HSI), W)
    assert allowed(WEBHOOKS, TOPIC, WEBHOOK_ENDPOINTS_TOPIC, R)
    assert not allowed(WEBHOOKS, TOPIC, WEBHOOK_ENDPOINTS_TOPIC, W)  # URLs and secrets: admin's
    assert allowed(WEBHOOKS, TOPIC, WEBHOOK_STATES_TOPIC, W)  # a 410 disables
    assert allowed(WEBHOOKS, TOPIC, WEBHOOK_DEAD_LETTER_TOPIC, W)
    assert allowed(WEBHOOKS, TOPIC, WEBHOOK_RECEIPTS_TOPIC, W)
    assert not allowed(WEBHOOKS, TOPIC, AUDIT_TOPIC, W)  # the dispatcher's chains
    assert not allowed(WEBHOOKS, TOPIC, feed_topics()[0], R)
    assert allowed(WEBHOOKS, Resource.GROUP, f"{WEBHOOKS_PREFIX}-hsi.main", R)
    assert not allowed(WEBHOOKS, Resource.GROUP, "agency-hsi", R)
    others = (WORKER, INGEST, SIMULATOR, DASHBOARD, *map(agency_principal, Agency))
    assert not any(allowed(p, TOPIC, WEBHOOK_ENDPOINTS_TOPIC, R) for p in others)
    assert not any(allowed(p, TOPIC, WEBHOOK_RECEIPTS_TOPIC, W) for p in others)


def test_only_the_admin_writes_silences_and_the_worker_reads_them() -> None:
    principals = (WORKER, INGEST, SIMULATOR, DASHBOARD, *map(agency_principal, Agency))
    assert [p for p in principals if allowed(p, TOPIC, SILENCES_TOPIC, W)] == []
    assert allowed(ADMIN, TOPIC, SILENCES_TOPIC, W)
    assert allowed(WORKER, TOPIC, SILENCES_TOPIC, R)
    assert not any(allowed(agency_principal(a), TOPIC, SILENCES_TOPIC, R) for a in Agency)


def test_only_the_worker_reads_and_writes_the_grouping_state() -> None:
    others = (INGEST, SIMULATOR, DASHBOARD, *map(agency_principal, Agency))
    for operation in (R, W):
        assert allowed(WORKER, TOPIC, DISPATCH_GROUPS_TOPIC, operation)
        assert [p for p in others if allowed(p, TOPIC, DISPATCH_GROUPS_TOPIC, operation)] == []
