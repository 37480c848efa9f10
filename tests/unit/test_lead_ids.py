"""Deterministic lead ids: same rule and anchors, same id; anything else, another id."""

from __future__ import annotations

import hashlib
import random
import re

from hypothesis import given
from hypothesis import strategies as st

from leads.lead_ids import make_lead_id

RULE = "watchlist-vehicle-crossing"
ANCHORS = ("CBP-OFO/x-1", "watchlist:HSI/E1")
LEAD_ID = re.compile(r"^L-[0-9a-f]{32}$")

anchor_text = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=30)
anchor_lists = st.lists(anchor_text, min_size=1, max_size=6)


def test_format() -> None:
    assert LEAD_ID.fullmatch(make_lead_id(RULE, anchors=ANCHORS))


def test_derivation_is_pinned() -> None:
    # Changing the derivation would re-key every lead already dispatched.
    expected = "L-" + hashlib.sha256(b"r1\x1fa\x1fb").hexdigest()[:32]
    assert make_lead_id("r1", anchors=["b", "a"]) == expected


def test_deterministic() -> None:
    assert make_lead_id(RULE, anchors=ANCHORS) == make_lead_id(RULE, anchors=ANCHORS)


def test_independent_of_anchor_order_and_duplicates() -> None:
    a = make_lead_id(RULE, anchors=ANCHORS)
    assert make_lead_id(RULE, anchors=reversed(ANCHORS)) == a
    assert make_lead_id(RULE, anchors=[*ANCHORS, ANCHORS[0], ANCHORS[1]]) == a


def test_differs_per_rule() -> None:
    assert make_lead_id(RULE, anchors=ANCHORS) != make_lead_id("other-rule", anchors=ANCHORS)


def test_differs_per_anchor() -> None:
    base = make_lead_id(RULE, anchors=ANCHORS)
    assert make_lead_id(RULE, anchors=("CBP-OFO/x-2", ANCHORS[1])) != base
    assert make_lead_id(RULE, anchors=ANCHORS[:1]) != base
    assert make_lead_id(RULE, anchors=[*ANCHORS, "ANAM/y-9"]) != base


def test_rule_id_is_not_just_another_anchor() -> None:
    assert make_lead_id("a", anchors=["b"]) != make_lead_id("b", anchors=["a"])


@given(st.text(min_size=1, max_size=20), anchor_lists, st.randoms(use_true_random=False))
def test_any_permutation_with_duplicates_gives_the_same_id(
    rule: str, anchors: list[str], rnd: random.Random,
) -> None:
    shuffled = [*anchors, *anchors[: len(anchors) // 2]]
    rnd.shuffle(shuffled)
    lead_id = make_lead_id(rule, anchors=anchors)
    assert LEAD_ID.fullmatch(lead_id)
    assert make_lead_id(rule, anchors=shuffled) == lead_id


@given(anchor_lists, anchor_lists)
def test_different_anchor_sets_give_different_ids(a: list[str], b: list[str]) -> None:
    if set(a) != set(b):
        assert make_lead_id(RULE, anchors=a) != make_lead_id(RULE, anchors=b)
