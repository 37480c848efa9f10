"""Text on the wire: identifiers and names must be printable, free text may break lines.

An identifier with a NUL, an escape sequence or an invisible character in it (a zero-width
space, a right-to-left override) looks like another one to a reader and differs from it for
every key, index and comparison: ``ABC\\u200b123`` and ``ABC123`` are two plates. So

- identifiers and names (plates, document numbers, serials, names, flight numbers...) refuse
  every control character (C0, DEL, C1: U+0000-U+001F, U+007F-U+009F) and the invisible
  formatting characters (soft hyphen, zero-width and joiner characters, the bidirectional
  marks, embeddings, overrides and isolates, the line and paragraph separators, the BOM);
- free text (a tip, a watchlist reason) may also hold tab, line feed and carriage return.

The refusal names the character and where it is (problem ``control_character``); the JSON
Schemas carry the same rule as a ``pattern``. Fields that already have a pattern of their own
(event ids, VINs, container ids...) allow only visible ASCII anyway.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema

# The invisible formatting characters refused everywhere, as regex class ranges. Written
# with \u escapes, which Python's re and JSON Schema's ECMA-262 regexes both read.
_INVISIBLE = r"\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb"
_CONTROL = r"\u0000-\u001f\u007f-\u009f"
_CONTROL_BUT_LINE_BREAKS = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f"

IDENTIFIER_PATTERN = rf"^[^{_CONTROL}{_INVISIBLE}]*$"
FREE_TEXT_PATTERN = rf"^[^{_CONTROL_BUT_LINE_BREAKS}{_INVISIBLE}]*$"


@dataclass(frozen=True, slots=True)
class Printable:
    """Annotation: the string holds no control or invisible formatting character (tab and
    line breaks too, unless ``line_breaks``). Put it after the string's other constraints, so
    it sees the stripped value."""

    line_breaks: bool = False

    @property
    def _refused(self) -> re.Pattern[str]:
        return _FREE_TEXT_REFUSED if self.line_breaks else _IDENTIFIER_REFUSED

    def __get_pydantic_core_schema__(self, source: Any,
                                     handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema,
                                     handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        out = handler(schema)
        out["pattern"] = FREE_TEXT_PATTERN if self.line_breaks else IDENTIFIER_PATTERN
        return out

    def _check(self, value: str) -> str:
        found = self._refused.search(value)
        if found is not None:
            raise PydanticCustomError(
                "control_character",
                "contains the control or invisible character U+{code} at position {position}; "
                + ("text may hold tab and line breaks, no other control character"
                   if self.line_breaks else "identifiers and names must be printable text"),
                {"code": f"{ord(found.group()):04X}", "position": found.start()})
        return value


_IDENTIFIER_REFUSED = re.compile(f"[{_CONTROL}{_INVISIBLE}]")
_FREE_TEXT_REFUSED = re.compile(f"[{_CONTROL_BUT_LINE_BREAKS}{_INVISIBLE}]")

