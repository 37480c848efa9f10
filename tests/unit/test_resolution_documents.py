"""Document numbers, keys that meet ``entity_keys``, CURP and passport sanity checks."""

from __future__ import annotations

import typing

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.contract.entities import Document
from fusion.resolution.documents import (
    DocumentType,
    curp_check_digit,
    curp_problem,
    describe_document,
    document_key,
    document_problem,
    normalise_document_number,
    passport_number_problem,
)
from fusion.resolution.exceptions import MalformedIdentifierError
from fusion.resolution.keys import entity_keys


def test_document_types_are_the_contracts() -> None:
    annotation = Document.model_fields["document_type"].annotation
    assert set(typing.get_args(annotation)) == {t.value for t in DocumentType}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("g-123 456", "G123456"), (" G 1234567 ", "G1234567"), ("a.b-c 1", "ABC1"), ("ñ-1", "N1")],
)
def test_normalise_document_number(raw: str, expected: str) -> None:
    assert normalise_document_number(raw) == expected


def test_document_key_and_description() -> None:
    passport = Document(document_type="passport", number="g-123 4567", issuing_country="MEX")
    assert document_key(passport) == "document:MEX:passport:G1234567"
    assert describe_document(passport) == "MEX passport G1234567"


def test_same_number_of_another_type_or_country_is_another_key() -> None:
    keys = {document_key(Document(document_type=kind, number="123", issuing_country=country))
            for kind in ("passport", "visa") for country in ("MEX", "USA")}
    assert len(keys) == 4


@pytest.mark.parametrize("curp", ["HEGG560427MVZRRL04", "BEML920313HCMLNS09",
                                  "hegg-560427-mvzrrl04"])
def test_valid_curps(curp: str) -> None:
    assert curp_problem(curp) is None


@pytest.mark.parametrize(
    ("curp", "words"),
    [
        ("HEGG560427MVZRRL0", "has 17 letters and digits, a CURP has 18"),
        ("HEGG561327MVZRRL04", "does not follow the CURP layout"),  # month 13
        ("HEGG560427MXXRRL04", "does not follow the CURP layout"),  # no state XX
        ("HEGG560427MVZRRL05", "check digit is 5 but the first 17 characters give 4"),
    ],
)
def test_curp_problems(curp: str, words: str) -> None:
    assert words in (curp_problem(curp) or "")


def test_curp_check_digit_refuses_short_input() -> None:
    with pytest.raises(MalformedIdentifierError, match="17 letters"):
        curp_check_digit("HEGG56")


@pytest.mark.parametrize(
    ("number", "words"),
    [("G1234567", None), ("123456789", None), ("E-123 456", None),
     ("1234", "has 4 letters and digits"), ("1234567890", "has 10"),
     ("ABCDEFG", "has no digits"), ("00000000", "repeats one character")],
)
def test_passport_number_problem(number: str, words: str | None) -> None:
    problem = passport_number_problem(number)
    assert problem is None if words is None else words in (problem or "")


def test_document_problem_checks_passports_and_spares_other_types() -> None:
    assert document_problem(Document(document_type="passport", number="12",
                                     issuing_country="USA")) is not None
    assert document_problem(Document(document_type="driver-licence", number="12",
                                     issuing_country="USA")) is None
    assert document_problem(Document(document_type="visa", number="--",
                                     issuing_country="USA")) == "number has no letters or digits"


documents = st.builds(
    Document,
    document_type=st.sampled_from([t.value for t in DocumentType]),
    number=st.text(alphabet="AbcG0123456789 -.ñ", min_size=1, max_size=20).filter(str.strip),
    issuing_country=st.sampled_from(["MEX", "USA", "CAN"]),
)


@given(documents)
def test_document_key_meets_entity_keys(document: Document) -> None:
    assert (document_key(document),) == entity_keys(document)


@given(st.text(max_size=30))
def test_normalise_document_number_is_idempotent(raw: str) -> None:
    once = normalise_document_number(raw)
    assert normalise_document_number(once) == once
