"""The HTTP ingest refuses events the stream's intake would refuse for their time, before it
publishes anything: the sender hears of an event from 2999 in the answer, not never."""

from __future__ import annotations

import datetime as dt

from fusion.contract import Agency, EventTimeLimits
from producers.ingest.batch import check_batch
from tests.factories import as_json, listing

NOW = dt.datetime(2026, 12, 3, 12, tzinfo=dt.UTC)
LIMITS = EventTimeLimits(max_clock_skew=dt.timedelta(minutes=5),
                         max_event_age=dt.timedelta(days=7))


def _item(at: dt.datetime, n: int) -> dict[str, object]:
    return as_json(listing(f"ET{n:04d}", entry_id=f"et-{n}", at=at))


def test_a_batch_with_an_event_from_2999_or_1986_is_refused_naming_each() -> None:
    items = [_item(NOW - dt.timedelta(hours=1), 1),
             _item(dt.datetime(2999, 1, 1, tzinfo=dt.UTC), 2),
             _item(dt.datetime(1986, 1, 1, tzinfo=dt.UTC), 3)]
    verdict = check_batch(items, agency=Agency.HSI, max_event_bytes=100_000, now=NOW,
                          time_limits=LIMITS)
    assert not verdict.clean
    reasons = {r.index: r.refusal.reason for r in verdict.refused}
    assert reasons == {1: "event-in-future", 2: "event-too-old"}
    assert all(r.refusal.errors[0].field == "occurred_at" for r in verdict.refused)


def test_without_a_clock_the_time_is_not_checked() -> None:
    items = [_item(dt.datetime(2999, 1, 1, tzinfo=dt.UTC), 1)]
    assert check_batch(items, agency=Agency.HSI, max_event_bytes=100_000).clean
