"""Person names: parsing (see ``name_parsing``) and a symmetric similarity with reasons.

``name_similarity`` gives a score in [0, 1] and says in words what agreed and what did not:
the paternal surname, a maternal surname one feed dropped, a given-name initial, accents,
the order the parts were written in. A name alone never identifies a person; callers combine
it with dates of birth and documents (see ``matching``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from fusion.resolution.name_parsing import (
    PARTICLES,
    ParsedName,
    fold,
    is_initial,
    name_readings,
    parse_name,
)

__all__ = ["PARTICLES", "NameMatch", "ParsedName", "fold", "name_readings", "name_similarity",
           "parse_name"]

Agreement = Literal["same", "initial", "differ"]
_LESS_LIKELY_READING = 0.1  # taken off a score for each side read in a less likely way


@dataclass(frozen=True, slots=True)
class NameMatch:
    score: float
    reasons: tuple[str, ...]


def _core(surname: str) -> str:
    """A surname without its particles: ``"De la Cruz"`` -> ``"cruz"``."""
    words = [word for word in fold(surname).split() if word not in PARTICLES]
    return " ".join(words) or fold(surname)


def _same(u: str | None, v: str | None) -> bool:
    return u is not None and v is not None and _core(u) == _core(v)


def _surname_part(x: ParsedName, y: ParsedName) -> tuple[float, list[str]]:
    if _same(x.paternal, y.paternal):
        agreed = f"paternal surname agrees ({x.paternal} / {y.paternal})"
        if x.maternal is None or y.maternal is None:
            missing = x.maternal is not None or y.maternal is not None
            note = [agreed, "maternal surname missing on one side (feeds often drop it)"]
            return 0.55, note if missing else [agreed]
        if _same(x.maternal, y.maternal):
            return 0.6, [agreed, f"maternal surname agrees ({x.maternal} / {y.maternal})"]
        return 0.2, [agreed, f"maternal surnames differ ({x.maternal} vs {y.maternal})"]
    if x.maternal and y.maternal and _same(x.paternal, y.maternal) and _same(
        x.maternal, y.paternal
    ):
        return 0.45, ["the two surnames are written in the opposite order"]
    if _same(x.paternal, y.maternal) or _same(x.maternal, y.paternal):
        return 0.25, ["a surname is paternal on one side and maternal on the other"]
    left, right = " ".join(x.surnames) or "none", " ".join(y.surnames) or "none"
    return 0.0, [f"surnames differ ({left} vs {right})"]


def _agreement(u: str, v: str) -> Agreement:
    if is_initial(u) or is_initial(v):
        return "initial" if fold(u)[:1] == fold(v)[:1] else "differ"
    return "same" if fold(u) == fold(v) else "differ"


def _given_part(x: ParsedName, y: ParsedName) -> tuple[float, list[str]]:
    gx, gy = x.given_names, y.given_names
    if not gx or not gy:
        return 0.0, ["given names missing on one side"] if gx or gy else []
    first = _agreement(gx[0], gy[0])
    if first == "same":
        score, reasons = 0.3, [f"first given name agrees ({gx[0]} / {gy[0]})"]
    elif first == "initial":
        score, reasons = 0.2, [f"given-name initial matches ({gx[0]} / {gy[0]})"]
    elif (len(gx) > 1 and _agreement(gx[1], gy[0]) == "same") or (
        len(gy) > 1 and _agreement(gx[0], gy[1]) == "same"
    ):
        score, reasons = 0.15, ["one side goes by the second given name"]
    else:
        return -0.2, [f"given names differ ({' '.join(gx)} vs {' '.join(gy)})"]
    if len(gx) > 1 and len(gy) > 1:
        second = _agreement(gx[1], gy[1])
        bonus = {"same": 0.1, "initial": 0.07, "differ": -0.1}[second]
        word = {"same": "agrees", "initial": "initial matches", "differ": "differs"}[second]
        return score + bonus, [*reasons, f"second given name {word} ({gx[1]} / {gy[1]})"]
    if len(gx) != len(gy):
        return score + 0.05, [*reasons, "second given name missing on one side"]
    return score + 0.1, reasons


def _plain_words(text: str) -> set[str]:
    """Words in lower case with accents kept and punctuation dropped."""
    return set("".join(ch if ch.isalnum() else " " for ch in text.casefold()).split())


def _accent_note(a: str, b: str) -> list[str]:
    words_a, words_b = _plain_words(a), _plain_words(b)
    shared_folded = {fold(w) for w in words_a} & {fold(w) for w in words_b}
    if len(shared_folded) <= len(words_a & words_b):
        return []
    if fold(a) == fold(b):
        return ["only accents differ"]
    return ["accents differ in some words"]


def _compare(x: ParsedName, y: ParsedName, *, penalty: float) -> NameMatch:
    surname_score, surname_reasons = _surname_part(x, y)
    given_score, given_reasons = _given_part(x, y)
    reasons = [*surname_reasons, *given_reasons]
    if x.surname_first != y.surname_first:
        reasons.append("order differs: surnames first on one side")
    score = min(1.0, max(0.0, surname_score + given_score - penalty))
    return NameMatch(round(score, 3), tuple(reasons))


def name_similarity(a: str, b: str) -> NameMatch:
    """How alike two names are, in [0, 1], and why. Symmetric: the pair is put in a fixed
    order first, so swapping the arguments gives the same score and the same reasons."""
    first, second = sorted((a, b), key=lambda name: (fold(name), name))
    if fold(first) == fold(second):
        same = "names identical" if first == second else "same name, written differently"
        return NameMatch(1.0, (same, *_accent_note(first, second)))
    best = max(
        (
            _compare(x, y, penalty=_LESS_LIKELY_READING * (i + j))
            for i, x in enumerate(name_readings(first))
            for j, y in enumerate(name_readings(second))
        ),
        key=lambda match: match.score,
    )
    return NameMatch(best.score, best.reasons + tuple(_accent_note(first, second)))
