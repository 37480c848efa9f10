"""CSV rows -> event envelopes, by a small mapping file (YAML). The mapping is the envelope
itself, with cells put in where it says so:

    event_id: "R-{report_no}"                # text; {column} is the cell, {{ }} are braces
    feed: lpr-reads                          # anything without {column} is a constant
    type: lpr.read
    occurred_at: {column: date, format: "%m/%d/%Y %H:%M", timezone: "America/Chicago"}
    location: {coordinates: {lat: {column: lat, type: float}, lon: {column: lon, type: float}}}
    entities: [{kind: vehicle, plate: "{plate}", plate_region: "US-{state}"}]
    attributes: {camera_id: "{camera}", direction: N,
                 read_confidence: {column: conf, type: float, optional: true}}
    grading: {source: B, credibility: "2"}
    handling: {tlp: GREEN, releasable_to: [USA, MEX]}

A ``{column: ...}`` mapping takes one cell: ``type`` is str (default), int, float, bool or
datetime (implied by ``format``; ``timezone`` is an IANA name for naive times, default UTC);
with ``optional: true`` an empty cell leaves the field out. ``schema_version`` defaults to 1
and ``agency`` to the importing agency. Pure: no I/O beyond reading the mapping file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from fusion.contract import SCHEMA_VERSION, Agency, FieldError
from fusion.errors import ConfigurationError

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]+)\}")
_TYPES = ("str", "int", "float", "bool", "datetime")
_OMIT = object()


class CellError(Exception):
    def __init__(self, field: str, problem: str, message: str) -> None:
        super().__init__(message)
        self.error = FieldError(field=field, problem=problem, message=message)


class CsvMapping:
    def __init__(self, template: Mapping[str, Any], *, source: str = "mapping") -> None:
        self._template = dict(template)
        self.columns = frozenset(_columns(self._template, source))

    @classmethod
    def load(cls, path: Path) -> CsvMapping:
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise ConfigurationError(f"cannot read the mapping {path}: {exc}") from exc
        if not isinstance(doc, dict):
            raise ConfigurationError(f"{path} must map envelope fields to values")
        return cls(doc, source=str(path))

    def check_header(self, header: Sequence[str]) -> None:
        missing = sorted(self.columns - set(header))
        if missing:
            raise ConfigurationError(
                f"the mapping uses columns the CSV header lacks: {', '.join(missing)} "
                f"(header: {', '.join(header)})")

    def apply(self, row: Mapping[str, str], *, agency: Agency) -> dict[str, Any] | list[FieldError]:
        """The envelope document for ``row``, or every cell problem found in it."""
        errors: list[FieldError] = []
        doc = _fill(self._template, row, path="", errors=errors)
        if errors:
            return errors
        assert isinstance(doc, dict)
        doc.setdefault("schema_version", SCHEMA_VERSION)
        doc.setdefault("agency", agency.value)
        return doc


def _columns(node: Any, source: str) -> list[str]:
    if isinstance(node, str):
        return [m[1].strip() for m in _PLACEHOLDER.finditer(node) if m[1]]
    if isinstance(node, dict) and "column" in node:
        _check_spec(node, source)
        return [str(node["column"])]
    if isinstance(node, dict):
        return [c for value in node.values() for c in _columns(value, source)]
    if isinstance(node, list):
        return [c for value in node for c in _columns(value, source)]
    return []


def _check_spec(spec: Mapping[str, Any], source: str) -> None:
    unknown = set(spec) - {"column", "type", "format", "timezone", "optional"}
    kind = spec.get("type", "datetime" if "format" in spec else "str")
    if unknown or kind not in _TYPES:
        raise ConfigurationError(
            f"{source}: bad column spec {dict(spec)}: keys are column, type "
            f"({'|'.join(_TYPES)}), format, timezone, optional")
    if "timezone" in spec:
        try:
            ZoneInfo(str(spec["timezone"]))
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigurationError(f"{source}: unknown timezone {spec['timezone']!r}") from None


def _fill(node: Any, row: Mapping[str, str], *, path: str, errors: list[FieldError]) -> Any:
    try:
        if isinstance(node, str):
            return _PLACEHOLDER.sub(lambda m: _text(m, row), node)
        if isinstance(node, dict) and "column" in node:
            return _cell(node, row, path)
    except CellError as exc:
        errors.append(exc.error)
        return None
    if isinstance(node, dict):
        out = {}
        for key, value in node.items():
            filled = _fill(value, row, path=f"{path}.{key}" if path else str(key), errors=errors)
            if filled is not _OMIT:
                out[key] = filled
        return out
    if isinstance(node, list):
        return [_fill(v, row, path=f"{path}.{i}", errors=errors) for i, v in enumerate(node)]
    return node


def _text(match: re.Match[str], row: Mapping[str, str]) -> str:
    if match[0] in ("{{", "}}"):
        return match[0][0]
    return row.get(match[1].strip(), "")


def _cell(spec: Mapping[str, Any], row: Mapping[str, str], path: str) -> Any:
    column = str(spec["column"])
    text = row.get(column, "").strip()
    if not text:
        if spec.get("optional"):
            return _OMIT
        raise CellError(path, "missing", f"column {column!r} is empty")
    kind = spec.get("type", "datetime" if "format" in spec else "str")
    try:
        if kind == "int":
            return int(text)
        if kind == "float":
            return float(text)
        if kind == "bool":
            return _bool(text)
        if kind == "datetime":
            return _datetime(text, spec).isoformat()
    except ValueError as exc:
        raise CellError(path, f"bad_{kind}",
                        f"column {column!r}: {text!r} is not a valid {kind} ({exc})") from None
    return text


def _bool(text: str) -> bool:
    lowered = text.lower()
    if lowered in ("true", "yes", "y", "1"):
        return True
    if lowered in ("false", "no", "n", "0"):
        return False
    raise ValueError("expected true/false, yes/no or 1/0")


def _datetime(text: str, spec: Mapping[str, Any]) -> dt.datetime:
    fmt = spec.get("format")
    value = dt.datetime.strptime(text, fmt) if fmt else dt.datetime.fromisoformat(text)  # noqa: DTZ007 (zone added below)
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(str(spec.get("timezone", "UTC"))))
    return value
