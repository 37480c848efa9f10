"""A lead record becomes the Standard Webhooks body with the lead unchanged; a record that is
no lead is refused by name."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest

from leads.webhooks.payload import UnreadableLeadError, lead_message

AT = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def test_the_body_carries_the_lead_as_the_topic_does() -> None:
    lead = {"lead_id": "L1", "revision": 3, "title": "crossing", "score": 71.5}
    message = lead_message(orjson.dumps(lead), at=AT)
    assert (message.lead_id, message.revision) == ("L1", 3)
    assert orjson.loads(message.body) == {"type": "lead.revision",
                                          "timestamp": "2026-12-04T12:00:00+00:00",
                                          "data": lead}
    assert lead_message(orjson.dumps(lead), at=AT).body == message.body  # replays: same bytes


@pytest.mark.parametrize(("value", "problem"), [
    (b"not json", "not JSON"), (b"[1]", "not a JSON object"), (None, "not JSON"),
    (b'{"revision": 1}', "lead_id"), (b'{"lead_id": "L", "revision": 0}', "revision"),
    (b'{"lead_id": "L", "revision": true}', "revision"),
])
def test_a_record_that_is_no_lead_is_refused(value: bytes | None, problem: str) -> None:
    with pytest.raises(UnreadableLeadError, match=problem):
        lead_message(value, at=AT)
