"""Errors the resolution core raises on purpose; all of them are ``FusionError``s.

    FusionError
     +-- ResolutionError                  base of this package's errors
          +-- MalformedIdentifierError    a VIN, container id or CURP too broken to check
          +-- UnreadableDateError         a date of birth in no format the feeds use

Both leaf errors are also ``ValueError``s, so callers that treat bad input generically can.
Checks that answer "is this valid?" return a problem in words instead of raising.
"""

from __future__ import annotations

from fusion.errors import FusionError


class ResolutionError(FusionError):
    """Base of every error raised by ``fusion.resolution``."""


class MalformedIdentifierError(ResolutionError, ValueError):
    def __init__(self, kind: str, value: str, problem: str) -> None:
        super().__init__(f"{kind} {value!r} cannot be checked: {problem}")
        self.kind = kind
        self.value = value
        self.problem = problem


class UnreadableDateError(ResolutionError, ValueError):
    def __init__(self, text: str, problem: str) -> None:
        super().__init__(f"date of birth {text!r} cannot be read: {problem}")
        self.text = text
        self.problem = problem
