"""The checks ``rules.lint`` runs on one clause or one text, as plain functions returning
messages (pure). Each returns ``(code, message)`` pairs; the caller knows file and line."""

from __future__ import annotations

import re
import types
from collections.abc import Mapping, Sequence
from enum import Enum
from typing import Annotated, Literal, Union, get_args, get_origin

from fusion.contract import FEEDS, Feed
from rules.engine.compiled import CompileError, compile_condition
from rules.engine.fields import PathError
from rules.language.conditions import Predicate

Finding = tuple[str, str]  # (code, message)
CFR_CODE = "cfr-28-23.20b"
BUILT_IN_FIELDS = ("agency", "feed", "type", "event_id", "occurred_at")
_CFR_TERMS = re.compile(
    r"religio(?:n|us)|faith|church|mosque|synagogue|temple|political|party[\s_.-]*affiliation"
    r"|ideolog(?:y|ies|ical)", re.IGNORECASE)


def cfr_terms(text: str, *, what: str) -> list[Finding]:
    """28 CFR 23.20(b): no criterion on religious or political views or affiliations."""
    match = _CFR_TERMS.search(text)
    if match is None:
        return []
    return [(CFR_CODE, f"{what} {text!r} mentions {match[0]!r}: 28 CFR 23.20(b) forbids "
             "collecting or keeping intelligence on political, religious or social views, "
             "associations or activities unless they directly relate to criminal conduct")]


def compile_problems(name: str, aliases: Mapping[str, Sequence[str]]) -> list[Finding]:
    """Whether the engine can resolve ``name`` (a field path or an alias)."""
    try:
        compile_condition(Predicate(field=name, exists=True), aliases)
    except PathError as exc:
        return [("bad-path", str(exc))]
    except CompileError as exc:
        return [("unknown-field", str(exc))]
    return []


def field_targets(name: str, aliases: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """The paths ``name`` reads: itself, or the targets of the alias it names."""
    if "." in name or name in BUILT_IN_FIELDS:
        return (name,)
    return tuple(aliases.get(name, ()))


def attribute_problems(path: str, feeds: Sequence[Feed]) -> list[Finding]:
    """``attributes.<name>`` must be an attribute of every feed the clause takes."""
    name = _attribute_name(path)
    if name is None:
        return []
    return [("unknown-attribute",
             f"{path}: feed {feed.value} has no attribute {name!r} "
             f"(its attributes: {', '.join(FEEDS[feed].attributes.model_fields)})")
            for feed in feeds if name not in FEEDS[feed].attributes.model_fields]


def value_problems(path: str, values: Sequence[object], feeds: Sequence[Feed]) -> list[Finding]:
    """``eq``/``in`` values an attribute with a closed set of values can never take."""
    name = _attribute_name(path)
    if name is None:
        return []
    out: list[Finding] = []
    for feed in feeds:
        info = FEEDS[feed].attributes.model_fields.get(name)
        allowed = allowed_values(info.annotation) if info is not None else None
        if allowed is None:
            continue
        out.extend(("impossible-value",
                    f"{path} is never {value!r} on feed {feed.value} "
                    f"(allowed: {', '.join(map(str, allowed))})")
                   for value in values if value not in allowed)
    return out


def type_problems(event_types: Sequence[str], feeds: Sequence[Feed]) -> list[Finding]:
    """An event type no feed of the clause carries: the clause never sees an event."""
    carried = sorted({t for feed in feeds for t in FEEDS[feed].event_types})
    return [("unknown-type",
             f"type {event_type!r} is not carried by feed {', '.join(f.value for f in feeds)} "
             f"(its types: {', '.join(carried)}): this clause can never match")
            for event_type in event_types if event_type not in carried]


def allowed_values(annotation: object) -> tuple[object, ...] | None:
    """The values of a ``Literal``/enum annotation (optional or not); ``None`` if open."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return allowed_values(get_args(annotation)[0])
    if origin is Literal:
        return get_args(annotation)
    if origin in (Union, types.UnionType):
        parts = [allowed_values(a) for a in get_args(annotation) if a is not type(None)]
        if any(p is None for p in parts):
            return None
        return tuple(v for p in parts if p is not None for v in p)
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return tuple(member.value for member in annotation)
    return None


def _attribute_name(path: str) -> str | None:
    if not path.startswith("attributes."):
        return None
    return path.split(".")[1]
