"""Are two reported vehicles one vehicle? The VIN decides; the plate in its region supports.

A plate is only a key inside its issuing region, and plate readers confuse O/0, I/1 and B/8,
so a plate that differs only by those characters is a possible match, never a sure one.
"""

from __future__ import annotations

from enum import StrEnum

from fusion.contract.entities import Vehicle
from fusion.resolution.match_result import MatchResult, Verdict
from fusion.resolution.name_parsing import fold
from fusion.resolution.plates import normalise_plate, plate_match_form
from fusion.resolution.vin import check_digit_ok


class VinEvidence(StrEnum):
    SAME = "same"
    MISREAD = "misread"
    DIFFERENT = "different"
    UNKNOWN = "unknown"


class PlateEvidence(StrEnum):
    SAME = "same"
    CONFUSABLE = "confusable"
    OTHER_REGION = "other-region"
    DIFFERENT = "different"


def _vin(a: str | None, b: str | None) -> tuple[VinEvidence, list[str]]:
    if a is None or b is None:
        return VinEvidence.UNKNOWN, []
    if a == b:
        return VinEvidence.SAME, [f"same VIN {a}"]
    one_off = len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1
    if one_off and check_digit_ok(a) != check_digit_ok(b):
        good = a if check_digit_ok(a) else b
        return VinEvidence.MISREAD, [
            f"VINs {a} and {b} differ in one character and only {good} passes its check "
            "digit: probably a misread"
        ]
    return VinEvidence.DIFFERENT, [f"VINs differ ({a} vs {b}): different vehicles"]


def _confusions(a: str, b: str) -> str:
    pairs = sorted({
        "/".join(sorted((x, y), key=lambda ch: (ch.isdigit(), ch)))
        for x, y in zip(a, b, strict=True) if x != y
    })
    return " and ".join(pairs)


def _plate(a: Vehicle, b: Vehicle) -> tuple[PlateEvidence, list[str]]:
    plate_a, plate_b = normalise_plate(a.plate), normalise_plate(b.plate)
    shown_a, shown_b = f"{a.plate_region} {plate_a}", f"{b.plate_region} {plate_b}"
    if plate_match_form(a.plate) != plate_match_form(b.plate):
        return PlateEvidence.DIFFERENT, [f"plates differ ({shown_a} vs {shown_b})"]
    if a.plate_region != b.plate_region:
        return PlateEvidence.OTHER_REGION, [
            f"plates equal but issued in different regions ({shown_a} vs {shown_b}): "
            "different vehicles"
        ]
    if plate_a == plate_b:
        return PlateEvidence.SAME, [f"same plate {shown_a}"]
    return PlateEvidence.CONFUSABLE, [
        f"plates {shown_a} and {shown_b} differ only by {_confusions(plate_a, plate_b)}, "
        "a common reader confusion"
    ]


def _description(a: Vehicle, b: Vehicle) -> tuple[bool, list[str]]:
    """Whether the makes contradict each other, and every described detail that differs."""
    reasons: list[str] = []
    makes_differ = False
    for field in ("make", "model", "color"):
        x, y = getattr(a, field), getattr(b, field)
        if x is not None and y is not None and fold(x) != fold(y):
            reasons.append(f"{field} differs ({x} vs {y})")
            makes_differ = makes_differ or field == "make"
    return makes_differ, reasons


def _decide(vin: VinEvidence, plate: PlateEvidence, *, make_differs: bool,
            details_differ: bool) -> tuple[Verdict, float]:
    if vin is VinEvidence.SAME:
        return Verdict.SAME, 1.0 if plate is PlateEvidence.SAME else 0.6
    if vin is VinEvidence.DIFFERENT:
        return Verdict.DIFFERENT, 0.2 if plate is PlateEvidence.SAME else 0.0
    if vin is VinEvidence.MISREAD:
        return Verdict.POSSIBLE, 0.8 if plate is PlateEvidence.SAME else 0.5
    if plate is PlateEvidence.SAME:
        if make_differs:
            return Verdict.POSSIBLE, 0.4
        return Verdict.SAME, 0.2 if details_differ else 0.5
    if plate is PlateEvidence.CONFUSABLE and not make_differs:
        return Verdict.POSSIBLE, 0.4 if details_differ else 0.8
    return Verdict.DIFFERENT, 0.0


def match_vehicles(a: Vehicle, b: Vehicle) -> MatchResult:
    """How likely ``a`` and ``b`` are one vehicle, and why. Symmetric."""
    first, second = sorted((a, b), key=lambda vehicle: vehicle.model_dump_json())
    vin, reasons = _vin(first.vin, second.vin)
    plate, plate_reasons = _plate(first, second)
    make_differs, detail_reasons = _description(first, second)
    reasons += plate_reasons + detail_reasons
    if vin is VinEvidence.SAME and plate is not PlateEvidence.SAME:
        reasons.append("same VIN under other plates: re-registered or plates swapped")
    if vin is VinEvidence.DIFFERENT and plate is PlateEvidence.SAME:
        reasons.append("same plate on different VINs: plates swapped or cloned")
    if make_differs and plate is PlateEvidence.SAME and vin is VinEvidence.UNKNOWN:
        reasons.append("same plate on another make: plate cloned or misread")
    verdict, strength = _decide(vin, plate, make_differs=make_differs,
                                details_differ=bool(detail_reasons))
    return MatchResult.within(verdict, strength, reasons)
