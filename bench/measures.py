"""The arithmetic of the benchmarks, pure: counting records, percentiles, slopes, spreads and
the PASS/FAIL of a figure against its target. Nothing here reads a clock, Kafka or /proc.

A ``Target`` is one line of a result: the figure, the limit the issue sets, which side of it
passes, and whether it passed. A figure that could not be measured (``None``: no lead
arrived, the worker died) never passes.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Side = Literal["<=", ">="]


@dataclass(frozen=True, slots=True)
class Target:
    """``value`` against ``limit``: passes when ``value <side> limit``."""

    name: str
    value: float | None
    limit: float
    side: Side
    unit: str = ""
    note: str = ""

    @property
    def passed(self) -> bool:
        return passes(self.value, self.limit, self.side)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "value": self.value, "limit": self.limit,
                "side": self.side, "unit": self.unit, "passed": self.passed,
                "note": self.note}


def passes(value: float | None, limit: float, side: Side) -> bool:
    if value is None or math.isnan(value):
        return False
    return value <= limit if side == "<=" else value >= limit


def count_records(batches: Mapping[Any, Sequence[Any]],
                  work: Callable[[Any], object]) -> int:
    """Apply ``work`` to every record of one ``getmany`` answer (partition -> records) and
    return how many records it held: each partition's records are counted once."""
    seen = 0
    for records in batches.values():
        for record in records:
            work(record)
        seen += len(records)
    return seen


def percentile(ordered: Sequence[float], q: float) -> float:
    """Nearest-rank percentile of sorted values (``q`` in (0, 1]); as
    ``producers.scenario.evaluation`` computes its p50 and p95."""
    if not ordered:
        raise ValueError("no values")
    if not 0 < q <= 1:
        raise ValueError(f"q must be in (0, 1], got {q}")
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def censored_percentiles(values: Iterable[float | None],
                         qs: Sequence[float] = (0.50, 0.95, 0.99)) -> dict[str, float | None]:
    """Percentiles where ``None`` is a value never observed (a lead that did not arrive in
    the time allowed), ranked above every observed one: a percentile that lands on one is
    ``None`` (unknown, and larger than anything measured). ``{}`` without values."""
    seen = list(values)
    if not seen:
        return {}
    ordered = sorted(v for v in seen if v is not None)
    missing = len(seen) - len(ordered)
    out: dict[str, float | None] = {}
    for q in qs:
        rank = max(0, math.ceil(q * len(seen)) - 1)
        out[f"p{round(q * 100):d}"] = ordered[rank] if rank < len(seen) - missing else None
    return out


def slope(xs: Sequence[float], ys: Sequence[float]) -> float:
    """Least-squares slope of ``ys`` over ``xs`` (at least two distinct xs)."""
    if len(xs) != len(ys):
        raise ValueError(f"{len(xs)} xs against {len(ys)} ys")
    if len(xs) < 2:
        raise ValueError("a slope needs at least two points")
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        raise ValueError("a slope needs two distinct xs")
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx


def spread(values: Sequence[float]) -> float:
    """(max - min) / min: how far a series strays above its lowest point (0 when flat)."""
    if not values:
        raise ValueError("no values")
    low = min(values)
    if low <= 0:
        raise ValueError(f"spread needs positive values, got {low}")
    return (max(values) - low) / low


@dataclass(frozen=True, slots=True)
class LagTrend:
    """Consumer lag over a sustained publish: its growth per second over the later half of
    the samples (the first half includes start-up), and the largest and last lag seen."""

    growth_per_second: float
    max_lag: int
    last_lag: int
    bounded: bool

    def to_json(self) -> dict[str, Any]:
        return {"growth_per_second": round(self.growth_per_second, 2),
                "max_lag": self.max_lag, "last_lag": self.last_lag, "bounded": self.bounded}


def window_peaks(samples: Sequence[tuple[float, int]], window: float
                 ) -> list[tuple[float, int]]:
    """The largest lag of each ``window`` seconds (at the window's start): committed offsets
    move in steps, every few seconds, so the lag read between commits is a saw-tooth whose
    peaks follow what is really waiting."""
    peaks: dict[int, tuple[float, int]] = {}
    for t, lag in samples:
        slot = int(t // window)
        if slot not in peaks or lag > peaks[slot][1]:
            peaks[slot] = (slot * window, lag)
    return [peaks[slot] for slot in sorted(peaks)]


def lag_trend(samples: Sequence[tuple[float, int]], *, rate: float, tolerance: float = 0.02,
              window: float = 5.0) -> LagTrend:
    """Whether the lag ``(seconds, records)`` samples taken during a publish at ``rate``
    events/s stay bounded: over the later half, the peaks of the lag (per ``window`` seconds,
    the raw samples when there are fewer than four peaks) grow by at most ``tolerance`` of
    the rate per second (a worker at half the rate grows its lag by half the rate every
    second)."""
    if len(samples) < 4:
        raise ValueError(f"a lag trend needs at least 4 samples, got {len(samples)}")
    later = list(samples[len(samples) // 2:])
    peaks = window_peaks(later, window)
    points = peaks if len(peaks) >= 4 else later
    growth = slope([t for t, _ in points], [float(lag) for _, lag in points])
    return LagTrend(growth_per_second=growth, max_lag=max(lag for _, lag in samples),
                    last_lag=samples[-1][1], bounded=growth <= tolerance * rate)


def rate(count: float, seconds: float) -> float | None:
    """Events per second, None when nothing was timed."""
    return count / seconds if seconds > 0 else None


def ratio(part: float | None, whole: float | None) -> float | None:
    if part is None or not whole:
        return None
    return part / whole
