"""VINs: normalisation, the ISO 3779 check digit, and problems said in words."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.resolution.exceptions import MalformedIdentifierError
from fusion.resolution.vin import (
    check_digit_ok,
    normalise_vin,
    vin_check_digit,
    vin_is_valid,
    vin_problem,
)

VIN_CHARS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
vins = st.text(alphabet=VIN_CHARS, min_size=17, max_size=17)


@pytest.mark.parametrize(
    ("vin", "digit"),
    [("1HGCM82633A004352", "3"), ("11111111111111111", "1"), ("1M8GDM9AXKP042788", "X"),
     ("JH4KA7561PC008269", "1")],
)
def test_known_vins_have_their_check_digit(vin: str, digit: str) -> None:
    assert vin_check_digit(vin) == digit
    assert check_digit_ok(vin)
    assert vin_is_valid(vin)
    assert vin_problem(vin) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("1hgcm82633a004352", "1HGCM82633A004352"), ("1HG-CM8 2633.A004352", "1HGCM82633A004352"),
     (" 1hgcm82633a004352\n", "1HGCM82633A004352"), ("", "")],
)
def test_normalise_vin(raw: str, expected: str) -> None:
    assert normalise_vin(raw) == expected


@pytest.mark.parametrize(
    ("vin", "words"),
    [
        ("1HGCM82633A00435", "has 16 letters and digits, a VIN has 17"),
        ("1HGCM82633A0043521", "has 18"),
        ("1HGCM82633AO04352", "contains O, which VINs never use"),
        ("IHGCM82633A0Q4352", "contains I, Q"),
        ("1HGCM82643A004352", "check digit (position 9) is '4' but the other characters give '3'"),
    ],
)
def test_vin_problem_says_what_is_wrong(vin: str, words: str) -> None:
    problem = vin_problem(vin)
    assert problem is not None
    assert words in problem
    assert not vin_is_valid(vin)


def test_a_vin_without_check_digit_is_structurally_valid_only() -> None:
    european = "WVWZZZ1JZXW000001"  # position 9 holds 'Z', no check digit
    assert not check_digit_ok(european)
    assert not vin_is_valid(european)
    assert vin_is_valid(european, require_check_digit=False)
    assert vin_problem(european, require_check_digit=False) is None


def test_check_digit_of_a_malformed_vin_is_refused_with_the_reason() -> None:
    with pytest.raises(MalformedIdentifierError, match="never use"):
        vin_check_digit("1HGCM82633AO04352")
    with pytest.raises(ValueError, match="a VIN has 17"):
        vin_check_digit("123")


@given(vins)
def test_a_computed_check_digit_always_validates(vin: str) -> None:
    fixed = vin[:8] + vin_check_digit(vin) + vin[9:]
    assert check_digit_ok(fixed)
    assert vin_is_valid(fixed)


@given(vins, st.sampled_from(VIN_CHARS))
def test_position_nine_does_not_weigh_in_its_own_check_digit(vin: str, ch: str) -> None:
    assert vin_check_digit(vin[:8] + ch + vin[9:]) == vin_check_digit(vin)


@given(st.text(max_size=30))
def test_normalise_vin_is_idempotent(raw: str) -> None:
    once = normalise_vin(raw)
    assert normalise_vin(once) == once
    assert vin_is_valid(raw) == vin_is_valid(once)
