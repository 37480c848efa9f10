"""Reads a field path out of an event (pure).

Paths: ``agency``, ``feed``, ``type``, ``event_id``, ``occurred_at``; ``location.port``,
``location.corridor``, ``location.coordinates.lat``; ``grading.source``,
``grading.credibility``; ``handling.tlp``, ``handling.releasable_to``;
``attributes.<name>[.<name>...]``; ``entities.<kind>[<role>].<field>`` where ``<field>`` may
also be ``key`` (the entity's canonical key). ``entities.<kind>[<role>]`` alone yields the
entities themselves (for ``exists``). Every path yields a list: a field that several
entities carry yields several values, a missing one yields none.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fusion.contract import EventEnvelope
from fusion.resolution.keys import entity_keys

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
