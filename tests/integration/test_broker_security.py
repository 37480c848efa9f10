"""Nobody reads or writes without the right identity: the broker itself refuses anonymous
clients, wrong passwords and an agency using its credentials on another agency's topics,
the internal topics, the lead topics or the rule sets. Driven by confluent-kafka, an
independent client, as a partner would connect."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from confluent_kafka import Consumer, KafkaError, Producer

from adapters.kafka.access import KafkaAccess
from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_TOPIC,
    DEAD_LETTER_TOPIC,
    RULE_SETS_TOPIC,
    Agency,
    Feed,
    feed_topic,
    lead_topic,
)
from fusion.contract.principals import WORKER
from tests.factories import listing
from tests.integration import partner
from tests.integration.conftest import FUSION, ROOT, Stack, Worker

pytestmark = pytest.mark.integration

FORBIDDEN_FOR_AN_AGENCY = [
    feed_topic(Agency.HSI, Feed.WATCHLIST),  # another agency's feed
    CORRELATION_TOPIC, CANDIDATE_LEADS_TOPIC, DEAD_LETTER_TOPIC,  # the worker's
    lead_topic(Agency.DEA), lead_topic(Agency.HSI),  # leads are the worker's to write
    RULE_SETS_TOPIC,  # the admin's
]


def _refusal(access: KafkaAccess, topic: str) -> str:
    with pytest.raises(partner.RefusedError) as refused:
        partner.produce(access, topic, [("k", "{}")])
    return str(refused.value)


@pytest.mark.parametrize("topic", FORBIDDEN_FOR_AN_AGENCY)
def test_an_agency_may_not_write_what_is_not_its_own(stack: Stack, topic: str) -> None:
    before = partner.end_offsets(stack.admin, topic)
    reason = _refusal(stack.agency(Agency.DEA), topic)
    assert "authoriz" in reason.lower(), reason
    assert partner.end_offsets(stack.admin, topic) == before  # nothing reached the topic


def test_an_agency_writes_its_own_feed(stack: Stack) -> None:
    topic = feed_topic(Agency.DEA, Feed.WATCHLIST)
    before = sum(partner.end_offsets(stack.admin, topic).values())
    event = listing("DEA0001", entry_id=f"sec-{uuid.uuid4().hex[:8]}",
                    at=dt.datetime.now(dt.UTC)).model_copy(update={"agency": Agency.DEA})
    partner.produce(stack.agency(Agency.DEA), topic, [("k", event.model_dump_json())])
    assert sum(partner.end_offsets(stack.admin, topic).values()) == before + 1


@pytest.mark.parametrize("topic", [lead_topic(Agency.HSI), CANDIDATE_LEADS_TOPIC,
                                   feed_topic(Agency.HSI, Feed.WATCHLIST)])
def test_an_agency_may_not_read_another_s_leads_or_the_internals(stack: Stack,
                                                                 topic: str) -> None:
    with pytest.raises(partner.RefusedError, match=r"(?i)authoriz"):
        partner.read(stack.agency(Agency.DEA), topic, {0: 0}, count=1, timeout=10)


def test_an_agency_reads_its_own_leads(stack: Stack) -> None:
    topic = lead_topic(Agency.DEA)
    start = partner.end_offsets(stack.agency(Agency.DEA), topic)
    assert partner.read(stack.agency(Agency.DEA), topic, start) == []  # allowed, nothing new


def test_a_partner_group_outside_its_prefix_is_refused(stack: Stack) -> None:
    access = stack.agency(Agency.DEA)
    consumer = Consumer({**access.librdkafka(), "group.id": "agency-hsi-stolen",
                         "auto.offset.reset": "earliest", "log_level": 0})
    try:
        consumer.subscribe([lead_topic(Agency.DEA)])
        error = None
        for _ in range(50):
            message = consumer.poll(0.2)
            if message is not None and message.error() is not None:
                error = message.error()
                break
        assert error is not None
        assert error.code() == KafkaError.GROUP_AUTHORIZATION_FAILED, error.str()
    finally:
        consumer.close()


def test_an_anonymous_client_is_refused(stack: Stack) -> None:
    errors: list[str] = []
    producer = Producer({"bootstrap.servers": stack.bootstrap, "message.timeout.ms": 5000,
                         "log_level": 0, "error_cb": lambda e: errors.append(e.str())})
    delivered: list[KafkaError | None] = []
    producer.produce(feed_topic(Agency.HSI, Feed.WATCHLIST), key="k", value="{}",
                     on_delivery=lambda e, _m: delivered.append(e))
    producer.flush(15)
    assert delivered
    assert delivered[0] is not None
    assert errors  # the connection itself failed: the listener speaks SASL only


def test_a_wrong_password_is_refused(stack: Stack) -> None:
    wrong = replace(stack.agency(Agency.HSI), password="not-" + uuid.uuid4().hex)
    with pytest.raises(partner.RefusedError, match=r"(?i)authentication"):
        partner.produce(wrong, feed_topic(Agency.HSI, Feed.WATCHLIST), [("k", "{}")])


def test_only_the_admin_publishes_rule_sets(stack: Stack, tmp_path: Path) -> None:
    for principal in ("agency-hsi", WORKER):
        access = stack.access(principal)
        env = {**os.environ, "FUSION_KAFKA_USERNAME": access.username,
               "FUSION_KAFKA_PASSWORD": access.password}
        result = subprocess.run([FUSION, "rules", "publish", "--force"], cwd=ROOT, env=env,
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 2, result.stdout + result.stderr
        assert f"refused {principal}" in result.stderr, result.stderr
        assert access.password not in result.stdout + result.stderr  # never printed


def test_the_worker_never_logs_its_password(stack: Stack, worker: Worker) -> None:
    log = worker.log.read_text(errors="replace")
    assert log  # the worker has started and logged
    assert stack.access(WORKER).password not in log


def _principals(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FUSION, "principals", *args], cwd=ROOT, env=os.environ.copy(),
                          capture_output=True, text=True, timeout=60, check=False)


def test_rotate_and_revoke_take_effect_on_the_next_connection(stack: Stack) -> None:
    agency = Agency.USCG  # no other test connects as it
    topic = feed_topic(agency, Feed.TIPS)
    old = stack.agency(agency)
    partner.produce(old, topic, [("k", "{}")])
    rotated = _principals("rotate", agency.value)
    assert rotated.returncode == 0, rotated.stderr
    new = stack.agency(agency)
    assert new.password != old.password
    assert old.password not in rotated.stdout + rotated.stderr
    with pytest.raises(partner.RefusedError, match=r"(?i)authentication"):
        partner.produce(old, topic, [("k", "{}")])
    partner.produce(new, topic, [("k", "{}")])

    revoked = _principals("revoke", agency.value)
    assert revoked.returncode == 0, revoked.stderr
    with pytest.raises(partner.RefusedError, match=r"(?i)authentication"):
        partner.produce(new, topic, [("k", "{}")])
    synced = _principals("sync", "--all-agencies")  # a sync does not undo a revocation
    assert synced.returncode == 0, synced.stderr
    with pytest.raises(partner.RefusedError, match=r"(?i)authentication"):
        partner.produce(new, topic, [("k", "{}")])

    assert _principals("add", agency.value).returncode == 0
    partner.produce(stack.agency(agency), topic, [("k", "{}")])


def test_show_tells_a_partner_how_to_connect_without_the_password(stack: Stack) -> None:
    shown = _principals("show", "HSI")
    assert shown.returncode == 0, shown.stderr
    assert "sasl.username=agency-hsi" in shown.stdout
    assert "leads.hsi" in shown.stdout
    assert stack.agency(Agency.HSI).password not in shown.stdout
    revealed = _principals("show", "HSI", "--reveal")
    assert stack.agency(Agency.HSI).password in revealed.stdout
