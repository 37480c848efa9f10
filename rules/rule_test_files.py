"""Reads ``<rule-id>.test.yaml`` files: cases of events and the findings they should give
(pure: reads files). Problems come back as ``file:line`` messages, all of them.

    rule: <rule-id>
    defaults: {...}            # deep-merged into every event of every case
    cases:
      - name: fires when ...
        watchlist: [vehicle:US-TX:A8C1234]
        events: [{event_id: x1, occurred_at: "2026-01-01T10:00:00Z", ...}]
        advance_to: "2026-01-02T00:00:00Z"
        expect: [{key: vehicle:US-TX:A8C1234, evidence: [x1]}]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from fusion.contract import FEEDS, SCHEMA_VERSION, EventEnvelope
from rules.finding_match import Expected
from rules.language.spec import RuleId
from rules.loader import read_document
from rules.problems import SourceProblem, format_loc, validation_problems
from rules.yaml_lines import Loc, YamlDocument


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ExpectedFinding(_Strict):
    key: str | None = None
    evidence: list[str] | None = None


class RuleTestCase(_Strict):
    name: str = Field(min_length=1)
    watchlist: list[str] = Field(default_factory=list)
    events: list[dict[str, Any]] = Field(min_length=1)
    advance_to: AwareDatetime | None = None
    expect: list[ExpectedFinding]


class RuleTestFile(_Strict):
    rule: RuleId
    defaults: dict[str, Any] = Field(default_factory=dict)
    cases: list[RuleTestCase] = Field(min_length=1)


@dataclass(frozen=True, slots=True)
class LoadedCase:
    name: str
    line: int
    watchlist: frozenset[str]
    events: tuple[EventEnvelope, ...]
    advance_to: dt.datetime | None
    expect: tuple[Expected, ...]


@dataclass(frozen=True, slots=True)
class LoadedTestFile:
    file: Path
    rule_id: str
    line: int
    cases: tuple[LoadedCase, ...]


def read_test_file(file: Path, problems: list[SourceProblem]) -> LoadedTestFile | None:
    """The cases of ``file``; ``None`` (with ``problems`` filled in) if it cannot be used.

    A case whose events do not validate is left out and its problems recorded.
    """
    doc = read_document(file, problems)
    if doc is None:
        return None
    try:
        spec = RuleTestFile.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(validation_problems(exc, doc, file))
        return None
    cases = []
    for i, case in enumerate(spec.cases):
        loaded = _load_case(file, doc, i, case, spec.defaults, problems)
        if loaded is not None:
            cases.append(loaded)
    return LoadedTestFile(file=file, rule_id=spec.rule, line=doc.line(("rule",)),
                          cases=tuple(cases))


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` over ``base``; mappings merge key by key, anything else is replaced."""
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _load_case(file: Path, doc: YamlDocument, index: int, case: RuleTestCase,
               defaults: Mapping[str, Any], problems: list[SourceProblem]) -> LoadedCase | None:
    events: list[EventEnvelope] = []
    failed = False
    for j, raw in enumerate(case.events):
        merged = deep_merge({"schema_version": SCHEMA_VERSION, **defaults}, raw)
        at: Loc = ("cases", index, "events", j)
        try:
            events.append(_validate_event(merged))
        except _EventError as exc:
            failed = True
            view = _merged_view(doc, at, merged)
            problems.extend(SourceProblem(p.file, p.line, f"{format_loc(at)}.{p.message}")
                            for p in validation_problems(exc.error, view, file, base=exc.base))
    if failed:
        return None
    return LoadedCase(
        name=case.name, line=doc.line(("cases", index, "name")),
        watchlist=frozenset(case.watchlist), events=tuple(events), advance_to=case.advance_to,
        expect=tuple(Expected(key=e.key, evidence=None if e.evidence is None
                              else frozenset(e.evidence)) for e in case.expect))


class _EventError(Exception):
    def __init__(self, error: ValidationError, base: Loc) -> None:
        super().__init__(str(error))
        self.error, self.base = error, base


def _validate_event(data: dict[str, Any]) -> EventEnvelope:
    """The envelope, with the attributes its feed requires (as the intake decoder checks)."""
    try:
        event = EventEnvelope.model_validate(data)
    except ValidationError as exc:
        raise _EventError(exc, ()) from exc
    try:
        FEEDS[event.feed].attributes.model_validate(event.attributes)
    except ValidationError as exc:
        raise _EventError(exc, ("attributes",)) from exc
    return event


def _merged_view(doc: YamlDocument, at: Loc, merged: dict[str, Any]) -> YamlDocument:
    """The merged event with the lines its keys were written on, in the event or defaults."""
    lines: dict[Loc, int] = {(): doc.line(at)}
    for source in (("defaults",), at):
        n = len(source)
        lines.update({loc[n:]: line for loc, line in doc.lines.items()
                      if loc[:n] == source and len(loc) > n})
    return YamlDocument(data=merged, lines=lines)
