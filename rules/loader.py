"""Loads the rule catalogue: ``aliases.yaml`` and one rule per ``<category>/<rule-id>.yaml``
(pure: reads files, no other I/O).

``load_catalogue(root)`` returns a ``RuleSet`` or raises ``RuleFileError`` listing every
problem of every file, each as ``file:line: field: message``. ``read_rules(paths)`` does the
same without raising, for ``fusion rules lint``, which reports what loaded as well.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, StringConstraints, TypeAdapter, ValidationError

from rules.language import RuleSpec
from rules.language.conditions import FieldPath
from rules.problems import RuleFileError, SourceProblem, validation_problems
from rules.yaml_lines import YamlDocument, YamlSyntaxError, parse_yaml

ALIASES_FILE = "aliases.yaml"
TEST_SUFFIX = ".test.yaml"
AliasName = Annotated[str, StringConstraints(pattern=r"^[a-z_][a-z0-9_]*$")]
_RULE = TypeAdapter[RuleSpec](RuleSpec)
_ALIASES = TypeAdapter(dict[AliasName, Annotated[list[FieldPath], Field(min_length=1)]])


@dataclass(frozen=True, slots=True)
class RuleSet:
    """The rules of a catalogue, its aliases, where each rule was written, and ``digest``:
    SHA-256 of the canonical JSON of rules and aliases, the version of the rule set."""

    rules: tuple[RuleSpec, ...]
    aliases: dict[str, tuple[str, ...]]
    sources: dict[str, tuple[Path, int]]
    digest: str
    documents: dict[str, YamlDocument] = field(default_factory=dict, compare=False, repr=False)
    aliases_source: tuple[Path, YamlDocument] | None = field(default=None, compare=False,
                                                             repr=False)

    by_id: dict[str, RuleSpec] = field(init=False, compare=False, repr=False)
    """The rules by id (the correlate stage asks for the rule of each hit of each lead)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_id", {rule.id: rule for rule in self.rules})

    def rule(self, rule_id: str) -> RuleSpec | None:
        return self.by_id.get(rule_id)


def load_catalogue(root: Path) -> RuleSet:
    """Every rule under ``root`` and ``root/aliases.yaml``; raises ``RuleFileError``."""
    ruleset, problems = read_rules([root])
    if problems:
        raise RuleFileError(problems)
    return ruleset


def read_rules(paths: Sequence[Path]) -> tuple[RuleSet, list[SourceProblem]]:
    """Rules from catalogue folders and single rule files, with the problems met on the way.

    Aliases come from ``aliases.yaml`` in each folder given or, for a file, in the nearest
    folder above it that has one.
    """
    problems: list[SourceProblem] = []
    alias_files = sorted({a for p in paths if (a := find_aliases_file(p)) is not None})
    aliases, aliases_source = _read_aliases(alias_files, problems)
    rules: list[RuleSpec] = []
    sources: dict[str, tuple[Path, int]] = {}
    documents: dict[str, YamlDocument] = {}
    for file in rule_files(paths):
        loaded = _read_rule(file, problems)
        if loaded is None:
            continue
        rule, doc = loaded
        if rule.id in sources:
            first, first_line = sources[rule.id]
            problems.append(SourceProblem(file, doc.line(("id",)), (
                f"id: rule id {rule.id!r} is also used by {first}:{first_line}")))
            continue
        rules.append(rule)
        sources[rule.id] = (file, doc.line(("id",)))
        documents[rule.id] = doc
    ruleset = RuleSet(rules=tuple(rules), aliases=aliases, sources=sources,
                      digest=ruleset_digest(rules, aliases), documents=documents,
                      aliases_source=aliases_source)
    return ruleset, problems


def ruleset_digest(rules: Iterable[RuleSpec], aliases: Mapping[str, Sequence[str]]) -> str:
    """Stable SHA-256 of the canonical JSON of ``rules`` (in id order) and ``aliases``."""
    body = {
        "rules": sorted((_RULE.dump_python(r, mode="json", by_alias=True) for r in rules),
                        key=lambda r: str(r["id"])),
        "aliases": {name: list(paths) for name, paths in sorted(aliases.items())},
    }
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def rule_files(paths: Sequence[Path]) -> list[Path]:
    """Rule files in ``paths``: folders are searched; tests and aliases are not rules."""
    found: set[Path] = set()
    for path in paths:
        candidates = path.rglob("*.yaml") if path.is_dir() else [path]
        found.update(c for c in candidates
                     if c.name != ALIASES_FILE and not c.name.endswith(TEST_SUFFIX))
    return sorted(found)


def find_aliases_file(path: Path) -> Path | None:
    folder = path if path.is_dir() else path.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ALIASES_FILE).is_file():
            return candidate / ALIASES_FILE
    return None


def read_document(file: Path, problems: list[SourceProblem]) -> YamlDocument | None:
    """The YAML of ``file``, or ``None`` after recording why it cannot be read."""
    try:
        doc = parse_yaml(file.read_text(encoding="utf-8"))
    except OSError as exc:
        problems.append(SourceProblem(file, 1, f"cannot read the file: {exc.strerror}"))
        return None
    except YamlSyntaxError as exc:
        problems.append(SourceProblem(file, exc.line, str(exc)))
        return None
    problems.extend(SourceProblem(file, line, f"{'.'.join(map(str, loc))}: key written twice")
                    for loc, line in doc.duplicates)
    return doc


def _read_rule(file: Path, problems: list[SourceProblem]) -> tuple[RuleSpec, YamlDocument] | None:
    doc = read_document(file, problems)
    if doc is None:
        return None
    if not isinstance(doc.data, dict):
        problems.append(SourceProblem(file, 1, "<document>: a rule file holds one mapping "
                                      "(id, version, kind, ...)"))
        return None
    try:
        return _RULE.validate_python(doc.data), doc
    except ValidationError as exc:
        problems.extend(validation_problems(exc, doc, file))
        return None


def _read_aliases(files: Sequence[Path], problems: list[SourceProblem]
                  ) -> tuple[dict[str, tuple[str, ...]], tuple[Path, YamlDocument] | None]:
    aliases: dict[str, tuple[str, ...]] = {}
    source: tuple[Path, YamlDocument] | None = None
    for file in files:
        doc = read_document(file, problems)
        if doc is None:
            continue
        source = source or (file, doc)
        data: Any = {} if doc.data is None else doc.data
        try:
            parsed = _ALIASES.validate_python(data)
        except ValidationError as exc:
            problems.extend(validation_problems(exc, doc, file))
            continue
        for name, targets in parsed.items():
            if name in aliases and aliases[name] != tuple(targets):
                problems.append(SourceProblem(file, doc.line((name,)), (
                    f"{name}: alias defined differently in another aliases.yaml")))
            aliases[name] = tuple(targets)
    return aliases, source
