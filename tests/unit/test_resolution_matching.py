"""Person and vehicle matching: strong keys dominate, names alone stop at "possible",
every verdict comes with reasons, and the answer does not depend on argument order."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.contract.entities import Document, Person, Vehicle
from fusion.resolution.matching import BANDS, MatchResult, Verdict, match_persons, match_vehicles

DOB = dt.date(1985, 3, 7)
JOSE = Person(name="José Luis García Hernández", date_of_birth=DOB, nationality="MEX")
PASSPORT = Document(document_type="passport", number="G1234567", issuing_country="MEX")
VIN = "1HGCM82633A004352"


def _has(result: MatchResult, words: str) -> bool:
    return any(words in reason for reason in result.reasons)


def _in_band(result: MatchResult) -> bool:
    low, high = BANDS[result.verdict]
    return low <= result.score <= high


@pytest.mark.parametrize(
    ("other", "a_docs", "b_docs", "verdict", "reason"),
    [
        (Person(name="Jose L. Garcia", date_of_birth=DOB), (), (), Verdict.SAME,
         "date of birth 1985-03-07 agrees"),
        (Person(name="GARCIA HERNANDEZ, JOSE LUIS", date_of_birth=DOB), (), (), Verdict.SAME,
         "name: maternal surname agrees"),
        (Person(name="Jose L. Garcia"), (PASSPORT,),
         (Document(document_type="passport", number="g-123 4567", issuing_country="MEX"),),
         Verdict.SAME, "same document MEX passport G1234567"),
        (Person(name="Jose L. Garcia"), (), (), Verdict.POSSIBLE,
         "name alone cannot confirm a person"),
        (Person(name="Jose L. Garcia", date_of_birth=dt.date(1985, 7, 3)), (), (),
         Verdict.POSSIBLE, "differ only by day/month order"),
        (Person(name="Jose L. Garcia", date_of_birth=dt.date(1990, 1, 1)), (), (),
         Verdict.DIFFERENT, "dates of birth differ"),
        (Person(name="Pedro Ruiz", date_of_birth=DOB), (), (), Verdict.DIFFERENT,
         "name: surnames differ"),
        (Person(name="Jose Garcia Ruiz", date_of_birth=DOB), (), (), Verdict.POSSIBLE,
         "same date of birth, names only partly agree"),
        (Person(name="Jose L. Garcia", date_of_birth=dt.date(1990, 1, 1)), (PASSPORT,),
         (PASSPORT,), Verdict.POSSIBLE, "strong keys disagree"),
        (Person(name="Pedro Ruiz"), (PASSPORT,), (PASSPORT,), Verdict.POSSIBLE,
         "same document but the names disagree"),
        (Person(name="Jose L. Garcia", date_of_birth=DOB), (PASSPORT,),
         (Document(document_type="passport", number="G7654321", issuing_country="MEX"),),
         Verdict.POSSIBLE, "different MEX passport numbers"),
        (Person(name="Jose L. Garcia", date_of_birth=DOB, nationality="USA"), (), (),
         Verdict.SAME, "nationalities differ"),
    ],
    ids=["dob-and-name", "reordered-name", "same-document", "name-only", "dob-swapped",
         "dob-differs", "dob-but-other-name", "dob-partial-name", "document-vs-dob",
         "document-vs-name", "conflicting-passports", "nationality-differs"],
)
def test_match_persons(
    other: Person, a_docs: tuple[Document, ...], b_docs: tuple[Document, ...],
    verdict: Verdict, reason: str,
) -> None:
    result = match_persons(JOSE, other, a_documents=a_docs, b_documents=b_docs)
    assert result.verdict is verdict, result
    assert _has(result, reason), result.reasons
    assert _in_band(result)


def test_a_name_alone_never_reaches_same() -> None:
    twin = Person(name=JOSE.name)
    assert match_persons(twin, Person(name=JOSE.name)).verdict is Verdict.POSSIBLE


def test_stronger_evidence_scores_higher() -> None:
    by_document = match_persons(JOSE, Person(name="Jose L. Garcia"), a_documents=[PASSPORT],
                                b_documents=[PASSPORT]).score
    by_name = match_persons(JOSE, Person(name="Jose L. Garcia")).score
    by_nothing = match_persons(JOSE, Person(name="Pedro Ruiz")).score
    assert by_document > by_name > by_nothing


@pytest.mark.parametrize(
    ("a", "b", "verdict", "reason"),
    [
        (Vehicle(plate="ABC1234", plate_region="US-TX"),
         Vehicle(plate="A8C-1234", plate_region="US-TX"), Verdict.POSSIBLE,
         "plates US-TX A8C1234 and US-TX ABC1234 differ only by B/8, a common reader confusion"),
        (Vehicle(plate="ABC1234", plate_region="US-TX"),
         Vehicle(plate="abc 1234", plate_region="US-TX"), Verdict.SAME, "same plate US-TX ABC1234"),
        (Vehicle(plate="ABC1234", plate_region="US-TX"),
         Vehicle(plate="ABC1234", plate_region="MX-CHH"), Verdict.DIFFERENT,
         "plates equal but issued in different regions"),
        (Vehicle(plate="XYZ1", plate_region="US-TX", vin=VIN),
         Vehicle(plate="QRS2", plate_region="US-AZ", vin=VIN), Verdict.SAME, f"same VIN {VIN}"),
        (Vehicle(plate="ABC1234", plate_region="US-TX", vin=VIN),
         Vehicle(plate="ABC1234", plate_region="US-TX", vin="JH4KA7561PC008269"),
         Verdict.DIFFERENT, "same plate on different VINs"),
        (Vehicle(plate="ABC1234", plate_region="US-TX", vin=VIN),
         Vehicle(plate="ABC1234", plate_region="US-TX", vin="1HGCM82633A004362"),
         Verdict.POSSIBLE, "probably a misread"),
        (Vehicle(plate="ABC1234", plate_region="US-TX", make="Ford"),
         Vehicle(plate="ABC1234", plate_region="US-TX", make="Toyota"), Verdict.POSSIBLE,
         "same plate on another make"),
        (Vehicle(plate="ABO1234", plate_region="US-TX", make="Ford"),
         Vehicle(plate="AB01234", plate_region="US-TX", make="Toyota"), Verdict.DIFFERENT,
         "make differs"),
        (Vehicle(plate="ABC1234", plate_region="US-TX"),
         Vehicle(plate="XYZ9876", plate_region="US-TX"), Verdict.DIFFERENT, "plates differ"),
    ],
    ids=["b-8", "formatting", "other-region", "same-vin", "vins-differ", "vin-misread",
         "cloned-plate", "confusable-other-make", "other-plate"],
)
def test_match_vehicles(a: Vehicle, b: Vehicle, verdict: Verdict, reason: str) -> None:
    result = match_vehicles(a, b)
    assert result.verdict is verdict, result
    assert _has(result, reason), result.reasons
    assert _in_band(result)


NAMES = ["José Luis García Hernández", "Jose L. Garcia", "GARCIA HERNANDEZ, JOSE LUIS",
         "Pedro Ruiz", "María de la Cruz", "Maria Cruz Lopez", "J. Garcia"]
people = st.builds(
    Person,
    name=st.sampled_from(NAMES),
    date_of_birth=st.sampled_from([None, DOB, dt.date(1985, 7, 3), dt.date(1990, 1, 1)]),
    nationality=st.sampled_from([None, "MEX", "USA"]),
)
document_lists = st.lists(
    st.builds(Document, document_type=st.sampled_from(["passport", "visa"]),
              number=st.sampled_from(["G1234567", "g-123 4567", "G7654321"]),
              issuing_country=st.sampled_from(["MEX", "USA"])),
    max_size=2,
)
vehicles = st.builds(
    Vehicle,
    plate=st.sampled_from(["ABC1234", "A8C-1234", "abc 1234", "XYZ1"]),
    plate_region=st.sampled_from(["US-TX", "MX-CHH"]),
    vin=st.sampled_from([None, VIN, "1HGCM82633A004362", "JH4KA7561PC008269"]),
    make=st.sampled_from([None, "Ford", "ford", "Toyota"]),
)


@given(people, people, document_lists, document_lists)
def test_match_persons_is_symmetric(
    a: Person, b: Person, a_docs: list[Document], b_docs: list[Document]
) -> None:
    forward = match_persons(a, b, a_documents=a_docs, b_documents=b_docs)
    backward = match_persons(b, a, a_documents=b_docs, b_documents=a_docs)
    assert forward == backward
    assert _in_band(forward)
    assert forward.reasons


@given(vehicles, vehicles)
def test_match_vehicles_is_symmetric(a: Vehicle, b: Vehicle) -> None:
    forward = match_vehicles(a, b)
    assert forward == match_vehicles(b, a)
    assert _in_band(forward)
    assert forward.reasons


@given(vehicles)
def test_a_vehicle_matches_itself(vehicle: Vehicle) -> None:
    assert match_vehicles(vehicle, vehicle).verdict is Verdict.SAME
