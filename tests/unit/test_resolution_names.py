"""Spanish and English names: parsing, folding, and a symmetric similarity with reasons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.resolution.names import (
    ParsedName,
    fold,
    name_readings,
    name_similarity,
    parse_name,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("GARCIA HERNANDEZ, JOSE LUIS",
         ParsedName(("JOSE", "LUIS"), "GARCIA", "HERNANDEZ", surname_first=True)),
        ("Jose L. Garcia", ParsedName(("Jose", "L"), "Garcia")),
        ("José Luis García Hernández", ParsedName(("José", "Luis"), "García", "Hernández")),
        ("María de la Cruz López", ParsedName(("María",), "de la Cruz", "López")),
        ("Juan Carlos De los Santos Ruiz", ParsedName(("Juan", "Carlos"), "De los Santos", "Ruiz")),
        ("Ortega y Gasset, José", ParsedName(("José",), "Ortega", "y Gasset", surname_first=True)),
        ("GARCIA J L", ParsedName(("J", "L"), "GARCIA", surname_first=True)),
        ("Ana Torres", ParsedName(("Ana",), "Torres")),
        ("TORRES", ParsedName((), "TORRES")),
        ("", ParsedName((), None)),
    ],
)
def test_parse_name(raw: str, expected: ParsedName) -> None:
    assert parse_name(raw) == expected


def test_three_words_are_read_both_the_spanish_and_the_english_way() -> None:
    spanish, english = name_readings("John Michael Smith")
    assert (spanish.given_names, spanish.paternal, spanish.maternal) == (("John",), "Michael",
                                                                         "Smith")
    assert (english.given_names, english.paternal, english.maternal) == (("John", "Michael"),
                                                                         "Smith", None)


@pytest.mark.parametrize(
    ("raw", "initials"),
    [("José Luis García Ruiz", "JL"), ("Jose L. Garcia", "JL"), ("GARCIA, Ángel", "A"),
     ("Garcia", "")],
)
def test_initials(raw: str, initials: str) -> None:
    assert parse_name(raw).initials == initials


@pytest.mark.parametrize(
    ("raw", "folded"),
    [("José Luis GARCÍA", "jose luis garcia"), ("  Núñez-Peña ", "nunez pena"),
     ("O'Brien", "o brien"), ("GARCIA, JOSE", "garcia jose")],
)
def test_fold(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("a", "b", "low", "high", "reason"),
    [
        ("GARCIA HERNANDEZ, JOSE LUIS", "Jose L. Garcia", 0.85, 0.95,
         "maternal surname missing on one side"),
        ("GARCIA HERNANDEZ, JOSE LUIS", "Jose L. Garcia", 0.85, 0.95,
         "second given name initial matches (LUIS / L)"),
        ("GARCIA HERNANDEZ, JOSE LUIS", "Jose L. Garcia", 0.85, 0.95,
         "order differs: surnames first on one side"),
        ("José García", "Jose Garcia", 1.0, 1.0, "only accents differ"),
        ("José Luis García Hernández", "GARCIA HERNANDEZ, JOSE LUIS", 0.95, 1.0,
         "paternal surname agrees"),
        ("J. L. Garcia", "José Luis García", 0.7, 0.95, "given-name initial matches (J / José)"),
        ("María De la Cruz López", "Maria Cruz", 0.8, 1.0, "paternal surname agrees"),
        ("Hernandez Garcia, Jose", "Jose Garcia Hernandez", 0.7, 0.9,
         "the two surnames are written in the opposite order"),
        ("Luis Garcia", "Jose Luis Garcia", 0.6, 0.9, "one side goes by the second given name"),
        ("Jose Garcia Lopez", "Jose Garcia Ruiz", 0.3, 0.7, "maternal surnames differ"),
        ("Jose Garcia", "Juan Garcia", 0.2, 0.5, "given names differ (Jose vs Juan)"),
        ("Ana Lopez", "Pedro Ruiz", 0.0, 0.0, "surnames differ"),
    ],
)
def test_name_similarity(a: str, b: str, low: float, high: float, reason: str) -> None:
    match = name_similarity(a, b)
    assert low <= match.score <= high, match
    assert any(reason in r for r in match.reasons), match.reasons


def test_identical_names_score_one() -> None:
    assert name_similarity("Ana Torres", "Ana Torres").score == 1.0
    assert name_similarity("Ana Torres", "Ana Torres").reasons == ("names identical",)


def test_a_full_name_beats_a_partial_one() -> None:
    full = name_similarity("José Luis García Hernández", "Jose Luis Garcia Hernandez").score
    partial = name_similarity("José Luis García Hernández", "Jose L. Garcia").score
    other = name_similarity("José Luis García Hernández", "Pedro Ruiz").score
    assert full > partial > other


names = st.one_of(
    st.text(max_size=40),
    st.lists(
        st.sampled_from(["José", "Jose", "J.", "Luis", "L", "García", "GARCIA", "Hernández",
                         "de", "la", "Cruz", "y", "Ruiz", ","]),
        max_size=6,
    ).map(" ".join),
)


@given(names, names)
def test_name_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    forward, backward = name_similarity(a, b), name_similarity(b, a)
    assert forward == backward
    assert 0.0 <= forward.score <= 1.0


@given(names)
def test_fold_is_idempotent_and_a_name_matches_itself(name: str) -> None:
    assert fold(fold(name)) == fold(name)
    assert name_similarity(name, name).score == 1.0
