"""Durations written as in alerting tools: ``90s``, ``15m``, ``6h``, ``14d``, ``2w``."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_PATTERN = re.compile(r"^\s*(\d+)\s*([smhdw])\s*$")


def parse_duration(value: object) -> dt.timedelta:
    if isinstance(value, dt.timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"a duration is text like '15m' or '6h', not {value!r}")
    match = _PATTERN.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a duration: use a number and one of s, m, h, d, w "
                         "(e.g. 90s, 15m, 6h, 14d)")
    return dt.timedelta(seconds=int(match[1]) * _UNITS[match[2]])


def format_duration(value: dt.timedelta) -> str:
    seconds = int(value.total_seconds())
    for unit, size in sorted(_UNITS.items(), key=lambda kv: -kv[1]):
        if seconds and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


Duration = Annotated[dt.timedelta, BeforeValidator(parse_duration),
                     PlainSerializer(format_duration, return_type=str)]
