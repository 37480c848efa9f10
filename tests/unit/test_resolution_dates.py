"""Dates of birth in the formats feeds use, ambiguity kept as candidates."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fusion.resolution.dates import day_month_swapped, dob_compatible, parse_dob
from fusion.resolution.exceptions import UnreadableDateError

MARCH_7 = dt.date(1985, 3, 7)
JULY_3 = dt.date(1985, 7, 3)
REPORT = dt.date(2024, 6, 1)


@pytest.mark.parametrize(
    "text",
    ["1985-03-07", "1985/3/7", "19850307", "7 MAR 1985", "07-MAR-1985", "7 mar. 1985",
     "7 marzo 1985", "7 March 1985", "MAR 7, 1985"],
)
def test_unambiguous_formats(text: str) -> None:
    reading = parse_dob(text)
    assert reading.date == MARCH_7
    assert not reading.ambiguous


@pytest.mark.parametrize(
    ("text", "expected"),
    [("13/03/1985", dt.date(1985, 3, 13)), ("03/13/1985", dt.date(1985, 3, 13)),
     ("07/07/1985", dt.date(1985, 7, 7)), ("7 DIC 1985", dt.date(1985, 12, 7)),
     ("1 ENE 1990", dt.date(1990, 1, 1)), ("15 AGO 1979", dt.date(1979, 8, 15)),
     ("29/02/2000", dt.date(2000, 2, 29))],
)
def test_day_over_twelve_or_equal_parts_or_month_names_are_not_ambiguous(
    text: str, expected: dt.date
) -> None:
    assert parse_dob(text).candidates == (expected,)


@pytest.mark.parametrize("text", ["03/07/1985", "07/03/1985", "07.03.1985", "7-3-1985"])
def test_us_or_mexican_order_gives_two_candidates(text: str) -> None:
    reading = parse_dob(text)
    assert reading.ambiguous
    assert reading.date is None
    assert reading.candidates == (MARCH_7, JULY_3)


@pytest.mark.parametrize(
    ("text", "reference", "expected"),
    [
        ("07-MAR-85", REPORT, (MARCH_7,)),
        ("07-MAR-85", None, (MARCH_7, dt.date(2085, 3, 7))),
        ("07-MAR-15", REPORT, (dt.date(2015, 3, 7),)),
        ("07-MAR-24", dt.date(2024, 1, 1), ()),
        ("03/07/85", REPORT, (MARCH_7, JULY_3)),
    ],
)
def test_two_digit_years_resolve_against_the_report_date(
    text: str, reference: dt.date | None, expected: tuple[dt.date, ...]
) -> None:
    if not expected:
        with pytest.raises(UnreadableDateError, match="on or before the report"):
            parse_dob(text, reference=reference)
        return
    assert parse_dob(text, reference=reference).candidates == expected


@pytest.mark.parametrize(
    ("text", "words"),
    [("", "not in a format"), ("yesterday", "not in a format"), ("7 FOO 1985", "not in a format"),
     ("31/02/1985", "no reading is a real calendar date"), ("1985-13-40", "no reading")],
)
def test_unreadable_dates_say_why(text: str, words: str) -> None:
    with pytest.raises(UnreadableDateError, match=words):
        parse_dob(text)


@pytest.mark.parametrize(
    ("a", "b", "compatible"),
    [
        ("03/07/1985", "1985-03-07", True),
        ("03/07/1985", "1985-07-03", True),
        ("03/07/1985", "07/03/1985", True),
        ("07-MAR-85", MARCH_7, True),
        ("7 MAR 1985", "1985-03-08", False),
        (MARCH_7, JULY_3, False),
        ("13/03/1985", "03/13/1985", True),
    ],
)
def test_dob_compatible(a: str | dt.date, b: str | dt.date, compatible: bool) -> None:
    assert dob_compatible(a, b) is compatible
    assert dob_compatible(b, a) is compatible


def test_day_month_swapped() -> None:
    assert day_month_swapped(MARCH_7, JULY_3)
    assert not day_month_swapped(MARCH_7, MARCH_7)
    assert not day_month_swapped(MARCH_7, dt.date(1986, 7, 3))


MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2024, 12, 31))


@given(dates)
def test_every_format_of_a_date_is_compatible_with_it(date: dt.date) -> None:
    month = MONTHS[date.month - 1]
    short_year = f"{date.year % 100:02d}"
    for text in (date.isoformat(), f"{date.month:02d}/{date.day:02d}/{date.year}",
                 f"{date.day:02d}/{date.month:02d}/{date.year}", f"{date.day} {month} {date.year}",
                 f"{date.day:02d}-{month}-{short_year}"):
        assert date in parse_dob(text).candidates, text
        assert dob_compatible(text, date)
