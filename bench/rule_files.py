"""Writes a rule set as a catalogue folder that ``rules.loader.load_catalogue`` reads back:
``aliases.yaml`` and one ``<category>/<rule-id>.yaml`` per rule (pure: writes files only)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import yaml
from pydantic import TypeAdapter

from rules.language import RuleSpec
from rules.loader import ALIASES_FILE

_RULE = TypeAdapter[RuleSpec](RuleSpec)


def write_catalogue(rules: Sequence[RuleSpec], aliases: Mapping[str, Sequence[str]],
                    root: Path) -> list[Path]:
    """Write ``rules`` and ``aliases`` under ``root`` (created); the rule files written."""
    root.mkdir(parents=True, exist_ok=True)
    (root / ALIASES_FILE).write_text(
        yaml.safe_dump({name: list(paths) for name, paths in aliases.items()},
                       sort_keys=False), encoding="utf-8")
    written = []
    for rule in rules:
        document = _RULE.dump_python(rule, mode="json", by_alias=True, exclude_none=True)
        file = root / str(document["category"]) / f"{rule.id}.yaml"
        file.parent.mkdir(exist_ok=True)
        file.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True),
                        encoding="utf-8")
        written.append(file)
    return written
