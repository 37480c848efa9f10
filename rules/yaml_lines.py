"""Reads YAML while remembering where every key and list item was written (pure).

PyYAML's safe loader is narrowed to what rule files need: only ``true``/``false`` are
booleans (YAML 1.1 would read the key ``on:`` as ``True``) and timestamps stay text, so
pydantic parses them and an event's attributes stay JSON values.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

Loc = tuple[str | int, ...]
_BOOL = "tag:yaml.org,2002:bool"
_TIMESTAMP = "tag:yaml.org,2002:timestamp"


class _RuleLoader(yaml.SafeLoader):
    """A safe loader with YAML 1.2 booleans and no implicit timestamps."""


_RuleLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in (_BOOL, _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_RuleLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))


class YamlSyntaxError(ValueError):
    """A file that is not one well-formed YAML document; ``line`` is 1-based."""

    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """The data of one YAML document and the 1-based line of every key and list item."""

    data: Any
    lines: dict[Loc, int]
    duplicates: tuple[tuple[Loc, int], ...] = field(default=())

    def line(self, loc: Loc) -> int:
        return self.lines.get(loc, self.lines.get((), 1))

    def locate(self, loc: Sequence[object]) -> tuple[Loc, int]:
        """The part of ``loc`` that exists in the data, and the line of its deepest element.

        Elements that are not keys or indices of the data (pydantic's union member names) are
        skipped.
        """
        kept: list[str | int] = []
        node = self.data
        for part in loc:
            if has_child(node, part):
                node = node[part]
                kept.append(part)  # type: ignore[arg-type]  # has_child: a str or an int
        path = tuple(kept)
        return path, self.line(path)


def has_child(node: object, part: object) -> bool:
    """Whether ``node[part]`` is a key of a mapping or an index of a list."""
    if isinstance(node, dict):
        return isinstance(part, str) and part in node
    if isinstance(node, list):
        return isinstance(part, int) and 0 <= part < len(node)
    return False


def parse_yaml(text: str) -> YamlDocument:
    """One YAML document; raises ``YamlSyntaxError`` with the line of the problem."""
    loader = _RuleLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise YamlSyntaxError("the file is empty", 1)
        lines: dict[Loc, int] = {}
        duplicates: list[tuple[Loc, int]] = []
        _index(node, (), lines, duplicates)  # before construction flattens merge keys (<<)
        data = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else 1
        raise YamlSyntaxError(f"not valid YAML: {exc.problem or exc}", line) from exc
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(f"not valid YAML: {exc}", 1) from exc
    finally:
        loader.dispose()
    return YamlDocument(data=data, lines=lines, duplicates=tuple(duplicates))


def _index(node: yaml.Node, loc: Loc, lines: dict[Loc, int],
           duplicates: list[tuple[Loc, int]], above: frozenset[int] = frozenset()) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if id(node) in above:  # an alias to its own ancestor: nothing more to index
        return
    above = above | {id(node)}
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = (*loc, key)
            if key in seen:
                duplicates.append((child, key_node.start_mark.line + 1))
            seen.add(key)
            lines[child] = key_node.start_mark.line + 1
            _index(value_node, child, lines, duplicates, above)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _index(item, (*loc, i), lines, duplicates, above)
