"""Argument types shared by the commands: agency codes, and times (an ISO time, or a
duration back from now)."""

from __future__ import annotations

import argparse
import datetime as dt

from fusion.contract import Agency
from rules.language.durations import parse_duration


def aware_time(text: str) -> dt.datetime:
    """An ISO time; one without a zone is taken as UTC."""
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def since_argument(text: str) -> dt.datetime:
    """``2026-11-20T14:00:00Z``, or a duration back from now such as ``7d``, ``12h``, ``30m``."""
    try:
        return dt.datetime.now(dt.UTC) - parse_duration(text)
    except ValueError:
        pass
    try:
        return aware_time(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is neither a time (2026-11-20T14:00:00Z) nor a duration (7d)") from None


def agency_argument(text: str) -> Agency:
    """An agency code in any case, e.g. ``hsi``; an unknown one lists the known codes."""
    try:
        return Agency(text.upper())
    except ValueError:
        known = ", ".join(a.value for a in Agency)
        raise argparse.ArgumentTypeError(f"unknown agency {text!r}; known: {known}") from None
