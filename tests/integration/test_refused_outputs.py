"""A refused output stops the offsets: with feeds.dlq's max.message.bytes shrunk below a dead
letter's size, the worker keeps the bad record's batch (nothing after it is taken or
committed), says what failed (log, /healthz, metrics, counting nothing undelivered); once the
limit is restored, the dead letter arrives once, the next event leads, and the offsets move
on. ``test_stop_while_refused.py``: a worker stopped meanwhile."""

from __future__ import annotations

import datetime as dt
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator

import pytest
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, ConfigResourceType

from adapters.kafka.clients import open_admin, open_producer
from fusion.contract import (
    DEAD_LETTER_TOPIC,
    Agency,
    DeadLetter,
    Feed,
    Lead,
    feed_topic,
    lead_topic,
)
from fusion.contract.principals import intake_group
from tests.factories import crossing, listing
from tests.integration import partner
from tests.integration.conftest import Stack, Worker, metric_value, recorded_entries, wait_until

pytestmark = pytest.mark.integration
TOPIC = feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS)
PARTITION = 1  # every record of a test on one partition: taken in order
SMALL = "2000"  # bytes: below any dead letter of the 10 KB record below


@pytest.fixture
def admin(stack: Stack) -> Iterator[KafkaAdminClient]:
    client = open_admin(stack.admin, client_id="test-admin")
    yield client
    client.close()


def _dlq_limit(admin: KafkaAdminClient) -> str | None:
    """feeds.dlq's own max.message.bytes; None when it has none (the broker's applies)."""
    described = admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC,
                                                       DEAD_LETTER_TOPIC)])
    entry = described["topic"][DEAD_LETTER_TOPIC].get("max.message.bytes")
    return None if entry is None else str(entry["value"])


def _set_dlq_limit(admin: KafkaAdminClient, value: str | None) -> None:
    """Set (or with None, remove) feeds.dlq's max.message.bytes, incrementally: its other
    settings stay."""
    change = ("DELETE", None) if value is None else value
    admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, DEAD_LETTER_TOPIC,
                                        configs={"max.message.bytes": change})])


@pytest.fixture
def shrink(admin: KafkaAdminClient) -> Iterator[Callable[[bool], None]]:
    """``shrink(True)`` makes feeds.dlq refuse the dead letter below, ``shrink(False)`` puts
    its limit back (as does the end of the test, whatever happens)."""
    original = _dlq_limit(admin)

    def change(small: bool) -> None:
        _set_dlq_limit(admin, SMALL if small else original)

    yield change
    change(False)


def _publish(stack: Stack, value: bytes) -> int:
    producer = open_producer(stack.admin, client_id="test-producer")
    try:
        return int(producer.send(TOPIC, key=b"refusal-test", value=value,
                                 partition=PARTITION).get(timeout=30).offset)
    finally:
        producer.close()


def _committed(admin: KafkaAdminClient, group: str) -> int:
    offsets = admin.list_group_offsets({group: None}).get(group, {})
    return next((meta.offset for tp, meta in offsets.items()
                 if (tp.topic, tp.partition) == (TOPIC, PARTITION)), -1)


def _health(worker: Worker) -> tuple[int, str]:
    url = worker.metrics_url.replace("/metrics", "/healthz")
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError:
        return 0, ""


def _letters_for(stack: Stack, start: dict[int, int], offset: int) -> list[DeadLetter]:
    letters = [DeadLetter.model_validate_json(m.payload or "")
               for m in partner.read_to_end(stack.admin, DEAD_LETTER_TOPIC, start)]
    return [d for d in letters if (d.topic, d.partition, d.offset) == (TOPIC, PARTITION, offset)]


def _bad_record(marker: str) -> bytes:
    return ('{"bad": "' + marker + "x" * 10_000 + '"').encode()  # malformed JSON, 10 KB


def _refusals(worker: Worker) -> float:
    return metric_value(worker.metrics_url, "fusion_output_refusals_total",
                        'agent="intake",error="MessageSizeTooLargeError"')


def test_a_refused_dead_letter_holds_the_offsets_until_the_broker_takes_it(
        stack: Stack, worker: Worker, admin: KafkaAdminClient,
        shrink: Callable[[bool], None]) -> None:
    marker = uuid.uuid4().hex[:8].upper()
    plate = f"RO{marker[:6]}"
    entry = listing(plate, entry_id=f"bolo-{marker}",
                    at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    partner.produce(stack.agency(Agency.HSI), feed_topic(Agency.HSI, Feed.WATCHLIST),
                    [(plate, entry.model_dump_json())])
    wait_until(lambda: f"HSI/bolo-{marker}" in recorded_entries(stack, worker),
               timeout=10, what="the watchlist entry recorded")
    before = _publish(stack, _crossing(f"UNLISTED{marker[:4]}", f"before-{marker}"))
    wait_until(lambda: _committed(admin, intake_group(worker.app_id)) > before, timeout=30,
               what="a committed offset on the test partition")
    dlq_start = partner.end_offsets(stack.admin, DEAD_LETTER_TOPIC)
    lead_start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
    letters_before = _counted_letters(worker)
    refusals_before = _refusals(worker)

    shrink(True)
    bad = _publish(stack, _bad_record(marker))
    _, text = wait_until(lambda: (h := _health(worker))[0] == 503 and h, timeout=30,
                         what="/healthz to report the refused dead letter")
    assert "intake" in text
    assert "feeds.dlq" in text
    assert "MessageSizeTooLargeError" in text
    after = _publish(stack, _crossing(plate, f"after-{marker}"))
    # Four attempts take 0.5 + 1 + 2 + 4 s: more than two of Faust's commit intervals.
    wait_until(lambda: _refusals(worker) >= refusals_before + 4, timeout=40,
               what="four refusals of the dead letter")
    assert _committed(admin, intake_group(worker.app_id)) == bad  # nothing past the refused input
    assert _letters_for(stack, dlq_start, bad) == []
    assert partner.read_to_end(stack.agency(Agency.HSI), lead_topic(Agency.HSI), lead_start) == []
    assert metric_value(worker.metrics_url, "fusion_outputs_blocked", 'agent="intake"') == 1
    assert _counted_letters(worker) == letters_before  # not delivered, not counted

    shrink(False)
    (letter,) = wait_until(lambda: _letters_for(stack, dlq_start, bad), timeout=30,
                           what="the dead letter once the limit is back")
    assert letter.reason.value == "malformed-json"
    leads = wait_until(lambda: [Lead.model_validate_json(m.payload or "") for m in
                                partner.read_to_end(stack.agency(Agency.HSI),
                                                    lead_topic(Agency.HSI), lead_start)],
                       timeout=30, what="the crossing's lead after the refused record")
    assert [e.event_id for e in leads[0].evidence if e.feed is Feed.POE_CROSSINGS] == [
        f"after-{marker}"]
    wait_until(lambda: _committed(admin, intake_group(worker.app_id)) > after, timeout=30,
               what="the offsets to move past both records")
    assert _health(worker) == (200, "ok\n")
    assert len(_letters_for(stack, dlq_start, bad)) == 1  # sent again, delivered once
    assert _counted_letters(worker) == letters_before + 1
    assert metric_value(worker.metrics_url, "fusion_outputs_blocked", 'agent="intake"') == 0
    log = worker.log.read_text()
    assert "the broker refused 1 record(s) for feeds.dlq" in log
    assert "not committed past it" in log


def _crossing(plate: str, event_id: str) -> bytes:
    return crossing(plate, event_id=event_id,
                    at=dt.datetime.now(dt.UTC)).model_dump_json().encode()


def _counted_letters(worker: Worker) -> float:
    return metric_value(worker.metrics_url, "fusion_dead_letters_total",
                        'reason="malformed-json"')
