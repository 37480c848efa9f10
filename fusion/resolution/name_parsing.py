"""Reading a person's name the way border feeds write it, Spanish and English alike.

``"GARCIA HERNANDEZ, JOSE LUIS"`` (surnames, comma, given names), ``"Jose L. Garcia"`` (given
names then surname) and ``"José Luis García Hernández"`` (two given names, paternal and
maternal surname) are one person. Particles (de, del, de la, de los, las, y) belong to the
surname that follows them: ``"De la Cruz"`` is one surname.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Final

PARTICLES: Final = frozenset({"de", "del", "la", "las", "los", "y"})


def fold(text: str) -> str:
    """Accents dropped, case folded, punctuation removed, spaces collapsed: for comparing."""
    decomposed = unicodedata.normalize("NFKD", text)
    kept = "".join(
        ch if ch.isalnum() else " " for ch in decomposed if not unicodedata.combining(ch)
    )
    return " ".join(kept.casefold().split())


@dataclass(frozen=True, slots=True)
class ParsedName:
    """One reading of a name. Parts keep the spelling of the source; compare them folded."""

    given_names: tuple[str, ...]
    paternal: str | None
    maternal: str | None = None
    surname_first: bool = False

    @property
    def initials(self) -> str:
        """First letters of the given names, upper case and unaccented: ``"JL"``."""
        return "".join(fold(name)[:1].upper() for name in self.given_names)

    @property
    def surnames(self) -> tuple[str, ...]:
        return tuple(name for name in (self.paternal, self.maternal) if name)


def is_initial(part: str) -> bool:
    """A given name written as one letter (``"L."`` arrives here as ``"L"``)."""
    return len(fold(part)) == 1


def _words(text: str) -> list[str]:
    return text.replace(".", " ").split()


def _units(words: list[str]) -> list[str]:
    """Words grouped so that particles stick to the word after them."""
    units: list[str] = []
    pending: list[str] = []
    for word in words:
        pending.append(word)
        if fold(word) not in PARTICLES:
            units.append(" ".join(pending))
            pending = []
    if pending:
        units.append(" ".join(pending))
    return units


def _from_surnames(
    surnames: list[str], given: list[str], *, surname_first: bool = False
) -> ParsedName:
    paternal = surnames[0] if surnames else None
    maternal = " ".join(surnames[1:]) or None
    return ParsedName(tuple(given), paternal, maternal, surname_first)


def _readings_with_initials(units: list[str]) -> tuple[ParsedName, ...]:
    positions = [i for i, unit in enumerate(units) if is_initial(unit)]
    last = positions[-1]
    if last == len(units) - 1:  # "GARCIA J L": surnames, then initials
        first = positions[0]
        return (_from_surnames(units[:first], units[first:], surname_first=True),)
    return (_from_surnames(units[last + 1 :], units[: last + 1]),)


def name_readings(name: str) -> tuple[ParsedName, ...]:
    """Every plausible reading of ``name``, the likeliest first.

    Without a comma or initials the split is a guess: two words are given name and surname;
    three are read both as one given name and two surnames (Spanish) and as two given names
    and one surname (English); four or more end in paternal and maternal surname.
    """
    if "," in name:
        surnames, _, given = name.partition(",")
        reading = _from_surnames(
            _units(_words(surnames)), _units(_words(given)), surname_first=True
        )
        return (reading,)
    units = _units(_words(name))
    if not units:
        return (ParsedName((), None),)
    if any(is_initial(unit) for unit in units):
        return _readings_with_initials(units)
    if len(units) == 1:
        return (ParsedName((), units[0]), ParsedName((units[0],), None))
    if len(units) == 2:
        return (ParsedName((units[0],), units[1]),)
    if len(units) == 3:
        return (_from_surnames(units[1:], units[:1]), _from_surnames(units[2:], units[:2]))
    return (_from_surnames(units[-2:], units[:-2]),)


def parse_name(name: str) -> ParsedName:
    """The likeliest reading of ``name`` (see ``name_readings`` for the others)."""
    return name_readings(name)[0]
