"""Vehicle identification numbers (ISO 3779): 17 characters, never I, O or Q.

North American VINs (and many others since 1981) carry a check digit in position 9; many
European and Asian VINs do not, so a wrong check digit is a separate finding from a VIN that
is structurally broken. ``vin_is_valid`` asks for both unless told otherwise.
"""

from __future__ import annotations

import unicodedata
from typing import Final

from fusion.resolution.exceptions import MalformedIdentifierError

VIN_LENGTH: Final = 17
CHECK_DIGIT_POSITION: Final = 9  # 1-based, as the standard counts
_FORBIDDEN: Final = frozenset("IOQ")
_TRANSLITERATION: Final[dict[str, int]] = {
    **{str(digit): digit for digit in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_WEIGHTS: Final = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


def normalise_vin(raw: str) -> str:
    """Upper case, accents dropped, separators removed: ``"1hg-cm82 633a004352"``.

    Total and idempotent; it does not judge the result (see ``vin_problem``). I, O and Q are
    kept as they are, because guessing 1 or 0 would hide a misread from the analyst.
    """
    decomposed = unicodedata.normalize("NFKD", raw)
    return "".join(ch for ch in decomposed.upper() if ch.isascii() and ch.isalnum())


def vin_structure_problem(vin: str) -> str | None:
    """What makes ``vin`` structurally impossible, in words; ``None`` if it is well formed."""
    compact = normalise_vin(vin)
    if len(compact) != VIN_LENGTH:
        return f"has {len(compact)} letters and digits, a VIN has {VIN_LENGTH}"
    forbidden = sorted(set(compact) & _FORBIDDEN)
    if forbidden:
        letters = ", ".join(forbidden)
        return f"contains {letters}, which VINs never use (a misread of 1 or 0?)"
    return None


def vin_check_digit(vin: str) -> str:
    """The check digit position 9 should hold: ``'0'``..``'9'`` or ``'X'`` for remainder 10.

    Position 9 itself is ignored (its weight is 0). Raises ``MalformedIdentifierError`` if the
    VIN is not structurally well formed.
    """
    problem = vin_structure_problem(vin)
    if problem is not None:
        raise MalformedIdentifierError("VIN", vin, problem)
    compact = normalise_vin(vin)
    total = sum(
        _TRANSLITERATION[ch] * weight for ch, weight in zip(compact, _WEIGHTS, strict=True)
    )
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def check_digit_ok(vin: str) -> bool:
    """True if ``vin`` is well formed and position 9 holds its check digit."""
    if vin_structure_problem(vin) is not None:
        return False
    return normalise_vin(vin)[CHECK_DIGIT_POSITION - 1] == vin_check_digit(vin)


def vin_problem(vin: str, *, require_check_digit: bool = True) -> str | None:
    """What is wrong with ``vin`` in words, or ``None``.

    With ``require_check_digit=False`` only the structure is judged, which is right for VINs
    from makers outside North America that put no check digit in position 9.
    """
    problem = vin_structure_problem(vin)
    if problem is not None or not require_check_digit:
        return problem
    found = normalise_vin(vin)[CHECK_DIGIT_POSITION - 1]
    expected = vin_check_digit(vin)
    if found != expected:
        return (
            f"check digit (position {CHECK_DIGIT_POSITION}) is {found!r} but the other "
            f"characters give {expected!r}: a misread, or a VIN without a check digit"
        )
    return None


def vin_is_valid(vin: str, *, require_check_digit: bool = True) -> bool:
    """True if ``vin_problem`` finds nothing wrong."""
    return vin_problem(vin, require_check_digit=require_check_digit) is None
