"""ISO 6346 container ids: normalisation, check digit, what a check digit can and cannot catch."""

from __future__ import annotations

import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.contract.entities import Container
from fusion.resolution.containers import (
    LETTER_VALUES,
    EquipmentCategory,
    container_check_digit,
    container_is_valid,
    container_problem,
    normalise_container_id,
)
from fusion.resolution.exceptions import MalformedIdentifierError

prefixes = st.builds(
    lambda owner, category, serial: owner + category + serial,
    st.text(alphabet=string.ascii_uppercase, min_size=3, max_size=3),
    st.sampled_from([c.value for c in EquipmentCategory]),
    st.text(alphabet=string.digits, min_size=6, max_size=6),
)


def test_letter_values_follow_the_standard() -> None:
    assert (LETTER_VALUES["A"], LETTER_VALUES["B"], LETTER_VALUES["K"], LETTER_VALUES["L"],
            LETTER_VALUES["U"], LETTER_VALUES["V"], LETTER_VALUES["Z"]) == (10, 12, 21, 23, 32,
                                                                            34, 38)
    assert not [v for v in LETTER_VALUES.values() if v % 11 == 0]


@pytest.mark.parametrize(
    ("container_id", "digit"),
    [("CSQU3054383", 3), ("MSKU1234565", 5), ("MAEU1234567", 7), ("TGHU9999990", 5)],
)
def test_known_container_ids(container_id: str, digit: int) -> None:
    assert container_check_digit(container_id[:10]) == digit
    assert container_is_valid(container_id) == (int(container_id[-1]) == digit)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("MSKU 123456-5", "MSKU1234565"), ("msku1234565", "MSKU1234565"),
     (" CSQU 305438 3 ", "CSQU3054383"), ("C.S.Q.U-305438/3", "CSQU3054383")],
)
def test_normalise_container_id(raw: str, expected: str) -> None:
    assert normalise_container_id(raw) == expected
    assert container_is_valid(raw)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("MSKU1234567", "check digit is 7 but owner code and serial give 5"),
        ("MSKU123456", "has 10 letters and digits, expected 11"),
        ("M5KU1234565", "owner code 'M5K' must be three letters"),
        ("MSKX1234565", "equipment category 'X' must be one of U, J, Z, R"),
        ("MSKU12345A5", "must be digits only"),
    ],
)
def test_container_problem_says_what_is_wrong(raw: str, words: str) -> None:
    assert words in (container_problem(raw) or "")
    assert not container_is_valid(raw)


def test_computing_the_check_digit_of_a_full_or_broken_id_is_refused() -> None:
    with pytest.raises(MalformedIdentifierError, match="expected 10"):
        container_check_digit("CSQU3054383")
    with pytest.raises(MalformedIdentifierError, match="category"):
        container_check_digit("CSQ1305438")


def test_the_contract_accepts_ids_whose_check_digit_is_wrong() -> None:
    """The contract checks shape only; resolution is where the check digit is judged."""
    assert not container_is_valid(Container(container_id="MSKU 123456-7").container_id)


@given(prefixes)
def test_a_computed_check_digit_always_validates(prefix: str) -> None:
    assert container_is_valid(prefix + str(container_check_digit(prefix)))


@given(prefixes, st.integers(min_value=4, max_value=10), st.sampled_from(string.digits))
def test_a_changed_digit_invalidates_unless_remainders_0_and_10_collide(
    prefix: str, position: int, digit: str
) -> None:
    valid = prefix + str(container_check_digit(prefix))
    changed = valid[:position] + digit + valid[position + 1 :]
    if changed == valid:
        return
    if position == 10:
        assert not container_is_valid(changed)
        return
    new_prefix = changed[:10]
    if container_is_valid(changed):  # only possible when one sum is 0 and the other 10 mod 11
        assert container_check_digit(new_prefix) == container_check_digit(prefix) == 0


@given(prefixes, st.integers(min_value=0, max_value=2), st.sampled_from(string.ascii_uppercase))
def test_a_changed_owner_letter_invalidates_unless_values_agree_mod_11(
    prefix: str, position: int, letter: str
) -> None:
    valid = prefix + str(container_check_digit(prefix))
    changed = valid[:position] + letter + valid[position + 1 :]
    same_weight = (LETTER_VALUES[letter] - LETTER_VALUES[valid[position]]) % 11 == 0
    if changed != valid and container_is_valid(changed):
        assert same_weight or container_check_digit(changed[:10]) == 0


def test_the_check_digit_cannot_tell_c_from_m() -> None:
    """C=13 and M=24 weigh the same modulo 11: a limit of ISO 6346, not of this code."""
    assert container_is_valid("CSQU3054383")
    assert container_is_valid("MSQU3054383")


@given(st.text(max_size=20))
def test_normalise_container_id_is_idempotent(raw: str) -> None:
    once = normalise_container_id(raw)
    assert normalise_container_id(once) == once
