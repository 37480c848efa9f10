"""Share packs (stream_apps/share_packs.py): many shares in one internal.events record, the
batch's progress in the last pack of each partition, read back exactly."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stream_apps.decoded_events import DecodedEvents
from stream_apps.progress import Progress
from stream_apps.share_packs import Share, batch_progress, decode, encode, is_pack, packs_for
from tests.factories import crossing

SHARES = st.lists(st.builds(Share, source=st.sampled_from(["feeds.a.b:0", "feeds.c.d:2"]),
                            primary=st.booleans(), offset=st.integers(0, 10**9),
                            value=st.binary(max_size=300)), max_size=40)
PROGRESS = Progress({"feeds.a.b:0": 1.7e9, "feeds.c.d:2": 1.7e9 + 0.5},
                    frozenset({"feeds.c.d:1"}), 1.8e9)


@given(SHARES, st.booleans())
def test_a_pack_reads_back_exactly(shares: list[Share], with_progress: bool) -> None:
    progress = PROGRESS if with_progress else None
    pack = decode(encode(shares, progress))
    assert list(pack.shares) == shares
    assert pack.progress == progress


@given(SHARES, st.integers(min_value=1, max_value=2000))
def test_packs_split_by_size_keep_order_and_carry_progress_last(
        shares: list[Share], max_bytes: int) -> None:
    packs = list(packs_for(shares, PROGRESS, max_bytes=max_bytes))
    decoded = [decode(value) for _, value in packs]
    assert [s for pack in decoded for s in pack.shares] == shares
    assert [pack.progress for pack in decoded] == [None] * (len(packs) - 1) + [PROGRESS]
    for (held, _), pack in zip(packs, decoded, strict=True):
        assert list(held) == list(pack.shares)
        assert len(held) == 1 or sum(len(s.value) for s in held) <= max_bytes


def test_nothing_read_means_no_progress_and_no_pack() -> None:
    assert batch_progress({}, {"feeds.a.b:0"}, at=1.0) is None
    assert list(packs_for([], None)) == []


@pytest.mark.parametrize("value", [b"", b"{}", b"FSP1", b"FSP1\x00\x00\x00\x05{bad}",
                                   encode([Share("s", True, 1, b"x" * 10)], None)[:-3]])
def test_a_broken_pack_is_refused_with_a_reason(value: bytes) -> None:
    with pytest.raises(ValueError, match="pack"):
        decode(value)
    assert is_pack(value) is value.startswith(b"FSP1")


def test_decoded_events_are_handed_over_once_per_share_then_dropped() -> None:
    event = crossing("ABC1234", event_id="x-1")
    decoded = DecodedEvents(capacity=10)
    decoded.put(("feeds.a.b:0", 5), event, shares=2)
    assert decoded.take(("feeds.a.b:0", 5), b"unused") is event
    assert decoded.take(("feeds.a.b:0", 5), b"unused") is event
    assert len(decoded) == 0  # taken by both shares: gone
    again = decoded.take(("feeds.a.b:0", 5), event.model_dump_json().encode())
    assert again == event  # not there any more: decoded from the bytes
    assert (decoded.hits, decoded.misses) == (2, 1)


def test_decoded_events_stay_bounded() -> None:
    decoded = DecodedEvents(capacity=3)
    for n in range(10):
        decoded.put(("s", n), crossing("ABC1234", event_id=f"x-{n}"), shares=1)
    assert len(decoded) == 3
