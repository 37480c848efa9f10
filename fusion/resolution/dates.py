"""Dates of birth as feeds write them: ISO ``1985-03-07``, US ``03/07/1985``, Mexican
``07/03/1985``, ``7 MAR 1985``, ``07-MAR-85``, ``7 marzo 1985``, ``MAR 7, 1985``.

``03/07/1985`` is 7 March to a US feed and 3 July to a Mexican one, and nothing in the text
says which; such a date reads as two candidates and the caller decides with other evidence.
A two-digit year is resolved against ``reference`` (the date of the report, passed in, never
read from a clock); without it both centuries stay candidates.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from typing import Final

from fusion.resolution.exceptions import UnreadableDateError

_MONTHS: Final[dict[str, int]] = {
    **{m: i for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1)},
    **{"ene": 1, "abr": 4, "ago": 8, "dic": 12},  # Spanish where it differs from English
}
_SEP = r"[-/. ]+"
_ISO: Final = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_COMPACT: Final = re.compile(r"(\d{4})(\d{2})(\d{2})")
_NUMERIC: Final = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4}|\d{2})")
_DAY_MONTH_NAME: Final = re.compile(rf"(\d{{1,2}}){_SEP}([a-z]{{3,10}}){_SEP}(\d{{4}}|\d{{2}})")
_MONTH_NAME_DAY: Final = re.compile(r"([a-z]{3,10})[. ]+(\d{1,2}),? +(\d{4}|\d{2})")


@dataclass(frozen=True, slots=True)
class DobReading:
    """Every calendar date ``text`` can mean, earliest first (one unless it is ambiguous)."""

    text: str
    candidates: tuple[dt.date, ...]

    @property
    def date(self) -> dt.date | None:
        """The date if the text means exactly one, else ``None``."""
        return self.candidates[0] if len(self.candidates) == 1 else None

    @property
    def ambiguous(self) -> bool:
        return len(self.candidates) > 1


def _clean(text: str) -> str:
    """Lower case, accents dropped, spaces collapsed; punctuation kept for the patterns."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(kept.casefold().split())


def _years(digits: str, reference: dt.date | None) -> list[int]:
    if len(digits) == 4:
        return [int(digits)]
    short = int(digits)
    if reference is None:
        return [1900 + short, 2000 + short]
    year = reference.year // 100 * 100 + short
    return [year - 100 if year > reference.year else year]


def _month(word: str) -> int | None:
    return _MONTHS.get(word[:3]) if word.isalpha() else None


def _day_month_orders(text: str) -> list[tuple[int, int, str]]:
    """(day, month, year digits) for every order the text allows."""
    if match := _ISO.fullmatch(text) or _COMPACT.fullmatch(text):
        year, month, day = match.groups()
        return [(int(day), int(month), year)]
    if match := _NUMERIC.fullmatch(text):
        first, second, year = match.groups()
        return [(int(second), int(first), year), (int(first), int(second), year)]  # US, MX
    if match := _DAY_MONTH_NAME.fullmatch(text):
        day, word, year = match.groups()
        month = _month(word)
        return [(int(day), month, year)] if month else []
    if match := _MONTH_NAME_DAY.fullmatch(text):
        word, day, year = match.groups()
        month = _month(word)
        return [(int(day), month, year)] if month else []
    return []


def parse_dob(text: str, *, reference: dt.date | None = None) -> DobReading:
    """Read a date of birth; raises ``UnreadableDateError`` if no reading is a real date.

    With ``reference`` a two-digit year takes the latest century not after it, and dates
    after it are dropped (nobody is born after the report about them).
    """
    orders = _day_month_orders(_clean(text))
    if not orders:
        raise UnreadableDateError(text, "not in a format the feeds use")
    found: set[dt.date] = set()
    for day, month, year_digits in orders:
        for year in _years(year_digits, reference):
            try:
                found.add(dt.date(year, month, day))
            except ValueError:
                continue
    if reference is not None:
        found = {date for date in found if date <= reference}
    if not found:
        when = " on or before the report" if reference is not None else ""
        raise UnreadableDateError(text, f"no reading is a real calendar date{when}")
    return DobReading(text, tuple(sorted(found)))


def dob_compatible(
    a: str | dt.date, b: str | dt.date, *, reference: dt.date | None = None
) -> bool:
    """True if some reading of ``a`` is some reading of ``b``."""
    return bool(_candidates(a, reference) & _candidates(b, reference))


def _candidates(value: str | dt.date, reference: dt.date | None) -> set[dt.date]:
    if isinstance(value, dt.date):
        return {value}
    return set(parse_dob(value, reference=reference).candidates)


def day_month_swapped(a: dt.date, b: dt.date) -> bool:
    """True if ``a`` and ``b`` differ only by reading day as month: the US/Mexican mix-up."""
    return a != b and (a.year, a.month, a.day) == (b.year, b.day, b.month)
