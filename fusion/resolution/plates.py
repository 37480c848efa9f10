"""Licence plates: the same characters in another state or country are another vehicle; plate
readers confuse O/0, I/1 and B/8; spaces, dashes and dots vary from feed to feed."""

from __future__ import annotations

import functools
import unicodedata

_CONFUSABLES = str.maketrans({"O": "0", "Q": "0", "I": "1", "B": "8"})


@functools.lru_cache(maxsize=65536)
def normalise_plate(plate: str) -> str:
    """Upper case, accents dropped, letters and digits only: ``"abc-12 3"`` -> ``ABC123``.
    Remembered for the last 65,536 texts: every plate, serial and document number is
    keyed many times (intake, each partition's engine, each rule, each lead)."""
    decomposed = unicodedata.normalize("NFKD", plate)
    return "".join(ch for ch in decomposed.upper() if ch.isascii() and ch.isalnum())


def plate_match_form(plate: str) -> str:
    """The normalised plate with confusable characters folded, so a misread still matches."""
    return normalise_plate(plate).translate(_CONFUSABLES)


def vehicle_key(plate: str, region: str) -> str:
    """Canonical key of a plate in its issuing region: ``vehicle:US-TX:A8C123``."""
    return f"vehicle:{region.upper()}:{plate_match_form(plate)}"
