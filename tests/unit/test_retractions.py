"""Retractions on the feeds: a valid one, on its own agency's topic, goes to
internal.retractions; one on another agency's topic, or naming another agency, is a
topic-mismatch dead letter (only the publisher retracts its events); a malformed one is a
dead letter naming its field; an ordinary event is unaffected."""

from __future__ import annotations

import asyncio
import json

import pytest
from prometheus_client import CollectorRegistry

from fusion.contract import Agency, DeadLetter, Feed, ValidEvent, feed_topic
from fusion.contract.decoding import decode_feed_record
from fusion.contract.retraction import Retraction
from fusion.contract.topics import RETRACTIONS_TOPIC
from stream_apps.dead_letters import RecordOrigin
from stream_apps.intake import IntakeStage
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import InboundRecord
from tests.factories import T0, listing

OWN = feed_topic(Agency.HSI, Feed.WATCHLIST)


def retraction(**changes: object) -> bytes:
    doc = {"schema_version": 1, "record": "retraction", "retraction_id": "r-1",
           "agency": "HSI", "feed": "watchlist", "event_id": "wl-E1",
           "reason": "entered in error", "retracted_at": T0.isoformat(), **changes}
    return json.dumps({k: v for k, v in doc.items() if v is not None}).encode()


def test_a_retraction_on_its_own_feed_is_valid() -> None:
    decoded = decode_feed_record(retraction(), topic=OWN)
    assert isinstance(decoded, Retraction)
    assert decoded.event_key == "HSI/wl-E1"


def test_an_ordinary_event_still_decodes() -> None:
    event = listing("ABC1234", at=T0).model_dump_json().encode()
    assert isinstance(decode_feed_record(event, topic=OWN), ValidEvent)


@pytest.mark.parametrize("topic", [feed_topic(Agency.DEA, Feed.WATCHLIST),
                                   feed_topic(Agency.HSI, Feed.TIPS)])
def test_a_retraction_elsewhere_is_a_topic_mismatch(topic: str) -> None:
    decoded = decode_feed_record(retraction(), topic=topic)
    assert not isinstance(decoded, Retraction | ValidEvent)
    assert decoded.reason.value == "topic-mismatch"
    assert "retracts only its own events" in decoded.errors[0].message


@pytest.mark.parametrize(("changes", "field"), [
    ({"reason": None}, "reason"), ({"event_id": "bad id!"}, "event_id"),
    ({"retracted_at": "2026-12-04T10:00:00"}, "retracted_at"), ({"extra": 1}, "extra")])
def test_a_bad_retraction_names_its_field(changes: dict[str, object], field: str) -> None:
    decoded = decode_feed_record(retraction(**changes), topic=OWN)
    assert not isinstance(decoded, Retraction | ValidEvent)
    assert field in {e.field for e in decoded.errors}


def test_the_intake_forwards_a_valid_retraction_and_dead_letters_a_foreign_one() -> None:
    intake = IntakeStage(metrics=WorkerMetrics(CollectorRegistry()), clock=lambda: T0)
    records = [InboundRecord(RecordOrigin(OWN, 0, 1, None, b"k"), retraction()),
               InboundRecord(RecordOrigin(feed_topic(Agency.DEA, Feed.WATCHLIST), 0, 2, None,
                                          b"k"), retraction())]
    out = asyncio.run(intake.handle(records))
    forwarded = [r for r in out if r.topic == RETRACTIONS_TOPIC]
    assert [(r.key, r.value) for r in forwarded] == [(b"HSI/wl-E1", retraction())]
    (letter,) = [DeadLetter.model_validate_json(r.value or b"") for r in out
                 if r.topic == "feeds.dlq"]
    assert letter.reason.value == "topic-mismatch"
