"""Reads a field path out of an event (pure).

Paths: ``agency``, ``feed``, ``type``, ``event_id``, ``occurred_at``; ``location.port``,
``location.corridor``, ``location.coordinates.lat``; ``grading.source``,
``grading.credibility``; ``handling.tlp``, ``handling.releasable_to``;
``attributes.<name>[.<name>...]``; ``entities.<kind>[<role>].<field>`` where ``<field>`` may
also be ``key`` (the entity's canonical key). ``entities.<kind>[<role>]`` alone yields the
entities themselves (for ``exists``). Every path yields a list: a field that several
entities carry yields several values, a missing one yields none.

``path_reader`` reads the values as the event holds them; ``plain_reader`` reads them as
predicates compare them (enum members as their values, ``checks.plain``). Both are parsed
once per path; the common short paths (``agency``, ``location.port``,
``attributes.<name>``) get a reader written out for them rather than the generic walk.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fusion.contract import EventEnvelope
from fusion.resolution.keys import entity_keys
from rules.engine.checks import plain

ROOTS = ("agency", "feed", "type", "event_id", "occurred_at", "location", "grading",
         "handling", "attributes", "entities")
ENTITY_KINDS = ("person", "vehicle", "conveyance", "container", "firearm", "document", "phone")
_ENTITY = re.compile(r"^entities\.(?P<kind>[a-z]+)(\[(?P<role>[a-z-]+)\])?(\.(?P<rest>.+))?$")


class PathError(ValueError):
    """A field path that names nothing an event can carry."""


def resolve_path(path: str) -> str:
    """Check a path once, at compile time; returns it unchanged."""
    root = path.split(".", 1)[0].split("[", 1)[0]
    if root not in ROOTS:
        raise PathError(f"{path!r} starts with {root!r}; a path starts with one of: "
                        + ", ".join(ROOTS))
    if root == "entities":
        match = _ENTITY.match(path)
        if not match or match["kind"] not in ENTITY_KINDS:
            raise PathError(f"{path!r}: entity paths look like entities.<kind>[<role>].<field> "
                            f"with kind one of {', '.join(ENTITY_KINDS)}")
    elif "[" in path:
        raise PathError(f"{path!r}: only entity paths take a [role]")
    return path


def field_values(event: EventEnvelope, path: str) -> list[object]:
    return path_reader(path)(event)


Reader = Callable[[EventEnvelope], list[object]]
_READERS: dict[str, Reader] = {}


def path_reader(path: str) -> Reader:
    """A function reading ``path`` out of an event, parsed once per path (and cached)."""
    reader = _READERS.get(path)
    if reader is None:
        reader = _READERS[path] = _compile(path)
    return reader


def _compile(path: str) -> Reader:
    if path.startswith("entities."):
        match = _ENTITY.match(path)
        if match is None:
            return lambda event: []
        return _entity_reader(match["kind"], match["role"], match["rest"])
    head, _, rest = path.partition(".")
    parts = rest.split(".") if rest else []
    return lambda event: _descend(getattr(event, head, None), parts)


def _entity_reader(kind: str, role: str | None, rest: str | None) -> Reader:
    parts = rest.split(".") if rest else []

    def read(event: EventEnvelope) -> list[object]:
        out: list[object] = []
        for entity in event.entities:
            if entity.kind != kind or (role is not None and entity.role != role):
                continue
            if rest is None:
                out.append(entity)
            elif rest == "key":
                out.extend(entity_keys(entity)[:1])
            else:
                out.extend(_descend(getattr(entity, parts[0], None), parts[1:]))
        return out
    return read


def _descend(value: Any, parts: list[str]) -> list[object]:
    for i, part in enumerate(parts):
        if value is None:
            return []
        if isinstance(value, list):
            return [v for item in value for v in _descend(item, parts[i:])]
        value = value.get(part) if isinstance(value, dict) else getattr(value, part, None)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


_PLAIN_READERS: dict[str, Reader] = {}


def plain_reader(path: str) -> Reader:
    """``path_reader`` with enum members as their values, parsed once per path (and cached)."""
    reader = _PLAIN_READERS.get(path)
    if reader is None:
        reader = _PLAIN_READERS[path] = _compile_plain(path)
    return reader


def _compile_plain(path: str) -> Reader:
    """A reader written out for a short path, else the generic walk then ``plain``. The
    contract fixes what a root holds: ``attributes`` a mapping, ``location``, ``grading``
    and ``handling`` a model (or None), ``entities`` a list of models."""
    head, _, rest = path.partition(".")
    match = _ENTITY.match(path) if head == "entities" else None
    if match is not None and match["rest"] not in (None, "key") and "." not in match["rest"]:
        return _entity_field_reader(match["kind"], match["role"], match["rest"])
    if head != "entities" and not rest:
        return lambda event: _leaf(getattr(event, head, None))
    if head == "attributes" and "." not in rest:
        return lambda event: _leaf(event.attributes.get(rest))
    if head in ("location", "grading", "handling") and "." not in rest:
        return _child_reader(head, rest)
    generic = path_reader(path)
    return lambda event: [plain(value) for value in generic(event)]


def _child_reader(head: str, name: str) -> Reader:
    """``<head>.<name>`` of a root that holds a model or None (``location.port``)."""
    def read(event: EventEnvelope) -> list[object]:
        model = getattr(event, head)
        return [] if model is None else _leaf(getattr(model, name, None))
    return read


def _entity_field_reader(kind: str, role: str | None, name: str) -> Reader:
    """``entities.<kind>[<role>].<name>``: the field of every such entity, in order."""
    def read(event: EventEnvelope) -> list[object]:
        out: list[object] = []
        for entity in event.entities:
            if entity.kind == kind and (role is None or entity.role == role):
                out += _leaf(getattr(entity, name, None))
        return out
    return read


def _leaf(value: object) -> list[object]:
    """The plain values of a path's last step (``_descend``'s end, then ``plain``)."""
    if value is None:
        return []
    if type(value) is str:  # the usual case: no enum, no list
        return [value]
    if isinstance(value, list):
        return [plain(v) for v in value]
    return [plain(value)]
