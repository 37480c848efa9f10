"""Bad records land on feeds.dlq with a reason naming the field, pointing back at the original
bytes; the worker keeps going and a valid event after them still produces its lead."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
import uuid

import pytest

from fusion.contract import DEAD_LETTER_TOPIC, Agency, DeadLetter, Lead, feed_topic, lead_topic
from fusion.contract.codes import Feed
from tests.factories import as_json, crossing, listing
from tests.integration import partner
from tests.integration.conftest import Stack, Worker, wait_until

pytestmark = pytest.mark.integration
TOPIC = feed_topic(Agency.CBP_OFO, Feed.POE_CROSSINGS)


def test_bad_records_go_to_the_dlq_and_a_valid_one_after_them_still_leads(
    stack: Stack, worker: Worker,
) -> None:
    marker = uuid.uuid4().hex[:8].upper()
    plate = f"DLQ{marker[:5]}"
    now = dt.datetime.now(dt.UTC)
    entry = listing(plate, entry_id=f"bolo-{marker}", at=now - dt.timedelta(hours=1))
    partner.produce(stack.agency(Agency.HSI), feed_topic(Agency.HSI, Feed.WATCHLIST),
                 [(plate, entry.model_dump_json())])
    wait_until(lambda: stack.redis.exists(f"{worker.prefix}wl:entry:HSI/bolo-{marker}"),
               timeout=10, what="the watchlist entry in Redis")

    good = as_json(crossing(plate, event_id=f"good-{marker}", at=now))
    missing = {k: v for k, v in good.items() if k != "occurred_at"} | {"event_id": f"m-{marker}"}
    wrong_type = json.loads(json.dumps(good)) | {"event_id": f"w-{marker}"}
    wrong_type["entities"][0]["plate"] = 12345
    unknown = good | {"agency": "XYZ-PD", "event_id": f"u-{marker}"}
    bad = {
        "malformed-json": f'{{"event_id": "j-{marker}", "agency": ',
        "schema-violation": json.dumps(missing),
        "schema-violation/type": json.dumps(wrong_type),
        "unknown-agency": json.dumps(unknown),
    }
    dlq_start = partner.end_offsets(stack.admin, DEAD_LETTER_TOPIC)
    lead_start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
    partner.produce(stack.agency(Agency.CBP_OFO), TOPIC,
                    [(f"k-{name}", text) for name, text in bad.items()]
                    + [(plate, json.dumps(good))])

    def ours() -> list[DeadLetter]:
        letters = [DeadLetter.model_validate_json(m.payload or "")
                   for m in partner.read_to_end(stack.admin, DEAD_LETTER_TOPIC, dlq_start)]
        return [d for d in letters if marker in (d.original_text or "")]

    letters = wait_until(lambda: (found := ours()) and len(found) >= 4 and found, timeout=10,
                         what="four dead letters", every=0.2)
    by_id = {_event_id(d): d for d in letters}
    assert len(letters) == 4
    assert by_id[f"j-{marker}"].reason.value == "malformed-json"
    assert by_id[f"m-{marker}"].reason.value == "schema-violation"
    assert ("occurred_at", "missing") in _fields(by_id[f"m-{marker}"])
    assert by_id[f"w-{marker}"].reason.value == "schema-violation"
    assert ("entities.0.plate", "string_type") in _fields(by_id[f"w-{marker}"])
    assert by_id[f"u-{marker}"].reason.value == "unknown-agency"
    assert ("agency", "enum") in _fields(by_id[f"u-{marker}"])

    for letter in letters:  # each letter points at the exact original record
        assert letter.topic == TOPIC
        original = partner.read_one(stack.admin, letter.topic, letter.partition,
                                    letter.offset)
        assert base64.b64decode(letter.original_b64).decode() == original.payload
        assert letter.key_b64 is not None
        assert base64.b64decode(letter.key_b64).decode() == original.key

    def lead_for_good() -> list[Lead]:
        messages = partner.read_to_end(stack.agency(Agency.HSI), lead_topic(Agency.HSI), lead_start)
        leads = [Lead.model_validate_json(m.payload or "") for m in messages]
        return [lead for lead in leads
                if any(e.event_id == f"good-{marker}" for e in lead.evidence)]

    (lead,) = wait_until(lead_for_good, timeout=10, what="the valid crossing's lead", every=0.2)
    assert plate in lead.title


def _event_id(letter: DeadLetter) -> str:
    """The event id in the original text, found without parsing it (some is not JSON)."""
    match = re.search(r'"event_id": "([^"]+)"', letter.original_text or "")
    assert match, letter.original_text
    return match[1]


def _fields(letter: DeadLetter) -> set[tuple[str, str]]:
    return {(e.field, e.problem) for e in letter.errors}
