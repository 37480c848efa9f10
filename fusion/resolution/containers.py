"""Container ids (ISO 6346): owner code, equipment category, serial number, check digit.

``CSQU 305438-3`` is owner ``CSQ``, category ``U``, serial ``305438``, check digit ``3``.
The check digit catches every single changed digit of the serial, but not every changed
letter: letters whose values differ by a multiple of 11 (A and K, B and L, ...) weigh the
same, and remainders 0 and 10 share the check digit 0.
"""

from __future__ import annotations

import re
import string
import unicodedata
from enum import StrEnum
from typing import Final

from fusion.resolution.exceptions import MalformedIdentifierError


class EquipmentCategory(StrEnum):
    """Fourth character of a container id."""

    FREIGHT_CONTAINER = "U"
    DETACHABLE_EQUIPMENT = "J"
    TRAILER_OR_CHASSIS = "Z"
    RAIL_R = "R"  # not in ISO 6346 (which has U, J, Z); accepted because the contract does


CONTAINER_ID_LENGTH: Final = 11
_CATEGORIES: Final = "".join(category.value for category in EquipmentCategory)
_PREFIX: Final = re.compile(rf"[A-Z]{{3}}[{_CATEGORIES}]\d{{6}}")
_FULL: Final = re.compile(rf"{_PREFIX.pattern}\d")


def _letter_values() -> dict[str, int]:
    """A=10 upwards, skipping 11, 22 and 33 (multiples of 11), as ISO 6346 annex A does."""
    values: dict[str, int] = {}
    value = 10
    for letter in string.ascii_uppercase:
        if value % 11 == 0:
            value += 1
        values[letter] = value
        value += 1
    return values


LETTER_VALUES: Final = _letter_values()


def normalise_container_id(raw: str) -> str:
    """Upper case, letters and digits only: ``"MSKU 123456-5"`` -> ``"MSKU1234565"``."""
    decomposed = unicodedata.normalize("NFKD", raw)
    return "".join(ch for ch in decomposed.upper() if ch.isascii() and ch.isalnum())


def _structure_problem(compact: str, *, length: int, pattern: re.Pattern[str]) -> str | None:
    if len(compact) != length:
        return f"has {len(compact)} letters and digits, expected {length}"
    if not compact[:3].isalpha():
        return f"owner code {compact[:3]!r} must be three letters"
    if compact[3] not in _CATEGORIES:
        return f"equipment category {compact[3]!r} must be one of {', '.join(_CATEGORIES)}"
    if not pattern.fullmatch(compact):
        return f"serial and check digit {compact[4:]!r} must be digits only"
    return None


def container_check_digit(owner_category_serial: str) -> int:
    """Check digit of the first ten characters (owner code, category, serial).

    Each character's value is weighted by 2 to the power of its position (0-based), the sum
    is taken modulo 11 and then modulo 10. A full eleven-character id is refused, so a caller
    cannot confuse "compute" with "verify" (use ``container_is_valid`` for that).
    """
    compact = normalise_container_id(owner_category_serial)
    problem = _structure_problem(compact, length=CONTAINER_ID_LENGTH - 1, pattern=_PREFIX)
    if problem is not None:
        raise MalformedIdentifierError("container id prefix", owner_category_serial, problem)
    total = sum(
        (LETTER_VALUES[ch] if ch.isalpha() else int(ch)) << position
        for position, ch in enumerate(compact)
    )
    return total % 11 % 10


def container_problem(container_id: str) -> str | None:
    """What is wrong with ``container_id`` in words, or ``None`` if it is valid."""
    compact = normalise_container_id(container_id)
    problem = _structure_problem(compact, length=CONTAINER_ID_LENGTH, pattern=_FULL)
    if problem is not None:
        return problem
    expected = container_check_digit(compact[:-1])
    if int(compact[-1]) != expected:
        return f"check digit is {compact[-1]} but owner code and serial give {expected}"
    return None


def container_is_valid(container_id: str) -> bool:
    """True if ``container_id`` is well formed and its check digit agrees."""
    return container_problem(container_id) is None
