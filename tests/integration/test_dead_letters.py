"""Bad records land on feeds.dlq with a reason naming the field, pointing back at the original
bytes; the worker keeps going and a valid event after them still produces its lead. Events
that are valid JSON of the right shape but wrong all the same (from 2999, from 1986, a NUL in
a plate, a 10,000-entry releasable_to, a repeated event id) get their own dead letter and no
lead; a 900 KB record leaves a bounded copy, its size and digest, and a pointer."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
import uuid
from typing import Any

import pytest

from fusion.contract import DEAD_LETTER_TOPIC, Agency, DeadLetter, Lead, feed_topic, lead_topic
from fusion.contract.codes import Feed
from tests.factories import as_json, crossing, listing
from tests.integration import partner
from tests.integration.conftest import Stack, Worker, recorded_entries, wait_until

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
    wait_until(lambda: f"HSI/bolo-{marker}" in recorded_entries(stack, worker),
               timeout=10, what="the watchlist entry recorded")

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


def _watchlisted(stack: Stack, worker: Worker, marker: str) -> str:
    """A plate on HSI's watchlist (in the worker's Redis): a crossing of it leads."""
    plate = f"DL{marker[:6]}"
    entry = listing(plate, entry_id=f"bolo-{marker}",
                    at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    partner.produce(stack.agency(Agency.HSI), feed_topic(Agency.HSI, Feed.WATCHLIST),
                 [(plate, entry.model_dump_json())])
    wait_until(lambda: f"HSI/bolo-{marker}" in recorded_entries(stack, worker),
               timeout=10, what="the watchlist entry recorded")
    return plate


def _letters_since(stack: Stack, start: dict[int, int], marker: str) -> list[DeadLetter]:
    letters = [DeadLetter.model_validate_json(m.payload or "")
               for m in partner.read_to_end(stack.admin, DEAD_LETTER_TOPIC, start)]
    return [d for d in letters if marker in (d.original_text or "")]


def _leads_since(stack: Stack, start: dict[int, int], marker: str) -> list[Lead]:
    messages = partner.read_to_end(stack.agency(Agency.HSI), lead_topic(Agency.HSI), start)
    leads = [Lead.model_validate_json(m.payload or "") for m in messages]
    return [lead for lead in leads if any(marker in e.event_id for e in lead.evidence)]


def test_wrong_events_get_their_dead_letter_and_no_lead(stack: Stack, worker: Worker) -> None:
    marker = uuid.uuid4().hex[:8].upper()
    plate = _watchlisted(stack, worker, marker)
    now = dt.datetime.now(dt.UTC)

    def event(name: str, **changes: Any) -> dict[str, Any]:
        doc = as_json(crossing(plate, event_id=f"{name}-{marker}", at=now))
        doc.update(changes)
        return doc

    nul_plate = event("nul")
    nul_plate["entities"][0]["plate"] = plate[:3] + "\x00" + plate[3:]
    wide = event("wide")
    wide["handling"]["releasable_to"] = ["USA"] * 10_000
    repeated = event("twice")
    cases = {
        f"future-{marker}": (event("future", occurred_at="2999-01-01T00:00:00Z"),
                             "event-in-future", ("occurred_at", "in_future")),
        f"old-{marker}": (event("old", occurred_at="1986-05-01T12:00:00-07:00"),
                          "event-too-old", ("occurred_at", "too_old")),
        f"nul-{marker}": (nul_plate, "schema-violation",
                          ("entities.0.plate", "control_character")),
        f"wide-{marker}": (wide, "schema-violation", ("handling.releasable_to", "too_long")),
    }
    dlq_start = partner.end_offsets(stack.admin, DEAD_LETTER_TOPIC)
    lead_start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
    sentinel = event("after")  # one key, one partition: it is taken after all of the others
    partner.produce(stack.agency(Agency.CBP_OFO), TOPIC, [(plate, json.dumps(doc)) for doc, _, _ in
                                          cases.values()]
                 + [(plate, json.dumps(repeated)), (plate, json.dumps(repeated)),
                    (plate, json.dumps(sentinel))])

    wait_until(lambda: any(f"after-{marker}" == e.event_id for lead in
                           _leads_since(stack, lead_start, marker) for e in lead.evidence),
               timeout=20, what="the lead of the valid crossing after them", every=0.2)
    letters = {_event_id(d): d for d in _letters_since(stack, dlq_start, marker)}
    assert set(letters) == {*cases, f"twice-{marker}"}
    for event_id, (_, reason, field_problem) in cases.items():
        assert letters[event_id].reason.value == reason, event_id
        assert field_problem in _fields(letters[event_id]), event_id
    duplicate = letters[f"twice-{marker}"]
    assert (duplicate.reason.value, duplicate.errors[0].field) == ("duplicate-event", "event_id")
    led = sorted(e.event_id for lead in _leads_since(stack, lead_start, marker)
                 for e in lead.evidence if e.feed is Feed.POE_CROSSINGS)
    assert led == [f"after-{marker}", f"twice-{marker}"]  # the repeat's first copy, once
    for lead in _leads_since(stack, lead_start, marker):
        assert lead.last_event_at < now + dt.timedelta(minutes=5)


def test_a_900_kb_record_leaves_a_bounded_copy_and_the_next_event_still_leads(
        stack: Stack, worker: Worker) -> None:
    marker = uuid.uuid4().hex[:8].upper()
    plate = _watchlisted(stack, worker, marker)
    huge = as_json(crossing(plate, event_id=f"huge-{marker}", at=dt.datetime.now(dt.UTC)))
    huge["attributes"]["notes"] = "n" * 900_000
    value = json.dumps(huge)
    good = crossing(plate, event_id=f"next-{marker}", at=dt.datetime.now(dt.UTC))
    dlq_start = partner.end_offsets(stack.admin, DEAD_LETTER_TOPIC)
    lead_start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
    partner.produce(stack.agency(Agency.CBP_OFO), TOPIC,
                    [(plate, value), (plate, good.model_dump_json())])

    (letter,) = wait_until(lambda: _letters_since(stack, dlq_start, marker), timeout=20,
                           what="the dead letter of the 900 KB record", every=0.2)
    assert letter.reason.value == "schema-violation"
    assert ("attributes.notes", "extra_forbidden") in _fields(letter)
    assert letter.truncated
    assert letter.original_size == len(value.encode())
    assert letter.original_sha256 == hashlib.sha256(value.encode()).hexdigest()
    prefix = base64.b64decode(letter.original_b64)
    assert len(prefix) == 64 * 1024
    original = partner.read_one(stack.admin, letter.topic, letter.partition, letter.offset)
    assert (original.payload or "").encode()[:len(prefix)] == prefix  # the pointer is right
    (lead,) = wait_until(lambda: _leads_since(stack, lead_start, f"next-{marker}"), timeout=20,
                         what="the lead of the crossing after the 900 KB record", every=0.2)
    assert plate in lead.title


def _event_id(letter: DeadLetter) -> str:
    """The event id in the original text, found without parsing it (some is not JSON)."""
    match = re.search(r'"event_id": "([^"]+)"', letter.original_text or "")
    assert match, letter.original_text
    return match[1]


def _fields(letter: DeadLetter) -> set[tuple[str, str]]:
    return {(e.field, e.problem) for e in letter.errors}
