"""The answer every matcher gives: a verdict, a score inside the verdict's band, reasons."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Verdict(StrEnum):
    SAME = "same"
    POSSIBLE = "possible"
    DIFFERENT = "different"


# Each verdict owns a slice of [0, 1], so a score never contradicts its verdict.
BANDS: Final[dict[Verdict, tuple[float, float]]] = {
    Verdict.DIFFERENT: (0.0, 0.44),
    Verdict.POSSIBLE: (0.45, 0.84),
    Verdict.SAME: (0.85, 1.0),
}


@dataclass(frozen=True, slots=True)
class MatchResult:
    score: float
    verdict: Verdict
    reasons: tuple[str, ...]

    @classmethod
    def within(cls, verdict: Verdict, strength: float, reasons: list[str]) -> MatchResult:
        """A result whose score sits ``strength`` (clamped to [0, 1]) of the way up the band
        of ``verdict``."""
        low, high = BANDS[verdict]
        clamped = min(1.0, max(0.0, strength))
        return cls(round(low + clamped * (high - low), 3), verdict, tuple(reasons))
