"""A dead letter is bounded whatever it was built from: a prefix of the original with its size
and SHA-256, a bounded key, at most MAX_ERRORS errors, so it always fits the broker's limit."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib

from fusion.contract import DeadLetter, DeadLetterReason, FieldError, Rejection
from fusion.contract.dead_letter import (
    DEAD_LETTER_PREFIX_MAX,
    KEY_PREFIX_MAX,
    MAX_ERRORS,
    MAX_FIELD,
    MAX_MESSAGE,
)
from stream_apps.dead_letters import RecordOrigin, dead_letter, dead_letter_key

NOW = dt.datetime(2026, 11, 20, 14, 0, tzinfo=dt.UTC)
ORIGIN = RecordOrigin("feeds.cbp-ofo.poe-crossings", 2, 41, 1_700_000_000_000, b"vehicle:k")
REJECTION = Rejection(DeadLetterReason.MALFORMED_JSON,
                      (FieldError(field="", problem="json_invalid", message="bad"),))
BROKER_RECORD_LIMIT = 1_048_588  # Kafka's default message.max.bytes


def test_a_small_record_is_copied_whole() -> None:
    letter = dead_letter(REJECTION, value=b'{"a": 1', origin=ORIGIN, now=NOW)
    assert base64.b64decode(letter.original_b64) == b'{"a": 1'
    assert (letter.original_text, letter.original_size, letter.truncated) == ('{"a": 1', 7, False)
    assert letter.original_sha256 == hashlib.sha256(b'{"a": 1').hexdigest()
    assert (letter.topic, letter.partition, letter.offset) == (ORIGIN.topic, 2, 41)


def test_a_900_kb_record_leaves_a_bounded_prefix_its_size_and_digest() -> None:
    value = b'{"event_id": "big", "pad": "' + b"x" * 900_000 + b'"}'
    letter = dead_letter(REJECTION, value=value, origin=ORIGIN, now=NOW, prefix_bytes=64 * 1024)
    assert base64.b64decode(letter.original_b64) == value[:64 * 1024]
    assert letter.truncated
    assert letter.original_size == len(value)
    assert letter.original_sha256 == hashlib.sha256(value).hexdigest()
    assert len(letter.model_dump_json()) < 200_000


def test_a_prefix_that_splits_a_character_still_has_its_text() -> None:
    value = ("ñ" * 10).encode()  # two bytes each
    letter = dead_letter(REJECTION, value=value, origin=ORIGIN, now=NOW, prefix_bytes=5)
    assert letter.original_text == "ññ"
    assert dead_letter(REJECTION, value=b"\xff\xfe", origin=ORIGIN, now=NOW).original_text is None


def test_no_copy_at_all_when_the_prefix_is_zero() -> None:
    letter = dead_letter(REJECTION, value=b"secret", origin=ORIGIN, now=NOW, prefix_bytes=0)
    assert (letter.original_b64, letter.original_text, letter.truncated) == ("", "", True)
    assert letter.original_size == 6


def test_a_huge_key_is_cut_and_the_letter_s_own_key_is_its_digest() -> None:
    key = b"k" * 100_000
    origin = RecordOrigin(ORIGIN.topic, 0, 1, None, key)
    letter = dead_letter(REJECTION, value=b"x", origin=origin, now=NOW)
    assert base64.b64decode(letter.key_b64 or "") == key[:KEY_PREFIX_MAX]
    assert letter.key_size == len(key)
    assert dead_letter_key(origin) == b"sha256:" + hashlib.sha256(key).hexdigest().encode()
    assert dead_letter_key(ORIGIN) == b"vehicle:k"
    assert dead_letter_key(RecordOrigin("t", 3, 0, None, None)) == b"t:3"


def test_many_errors_are_cut_to_the_maximum_saying_how_many_more() -> None:
    errors = tuple(FieldError(field=f"handling.releasable_to.{i}", problem="enum", message="x")
                   for i in range(5000))
    letter = dead_letter(Rejection(DeadLetterReason.SCHEMA_VIOLATION, errors), value=b"{}",
                         origin=ORIGIN, now=NOW)
    assert len(letter.errors) == MAX_ERRORS
    assert letter.errors[-1].problem == "more_errors"
    assert letter.errors[-1].message == f"{5000 - MAX_ERRORS + 1} more errors not listed"


def test_the_largest_dead_letter_fits_the_broker_limit() -> None:
    """Worst case: the largest prefix of control bytes (six JSON characters each), a maximal
    key, MAX_ERRORS errors with the longest field paths and messages."""
    errors = tuple(FieldError(field="f" * 10_000, problem="p" * 500, message="\x01" * 10_000)
                   for _ in range(MAX_ERRORS + 50))
    assert len(errors[0].field) == MAX_FIELD
    assert len(errors[0].message) == MAX_MESSAGE
    origin = RecordOrigin("feeds." + "t" * 240, 0, 2**62, 2**62, b"\x01" * 10**6)
    letter = dead_letter(Rejection(DeadLetterReason.SCHEMA_VIOLATION, errors),
                         value=b"\x01" * 10**6, origin=origin, now=NOW,
                         prefix_bytes=DEAD_LETTER_PREFIX_MAX)
    size = len(letter.model_dump_json().encode()) + len(dead_letter_key(origin))
    assert size < BROKER_RECORD_LIMIT * 0.9, size
    assert DeadLetter.model_validate_json(letter.model_dump_json()) == letter
