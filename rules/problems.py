"""Problems found in rule and test files, each tied to a file and line, and the error that
carries them (pure).

    FusionError
     +-- ConfigurationError
          +-- RuleFileError     rule, alias or test files that cannot be used (every problem)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

from fusion.errors import ConfigurationError
from rules.yaml_lines import Loc, YamlDocument, has_child

_STRUCTURAL = frozenset({"missing", "extra_forbidden"})


@dataclass(frozen=True, slots=True)
class SourceProblem:
    """What is wrong, where: ``file:line: message``."""

    file: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class RuleFileError(ConfigurationError):
    """Rule files that cannot be loaded; ``problems`` lists all of them, not just the first."""

    def __init__(self, problems: Sequence[SourceProblem]) -> None:
        self.problems = tuple(problems)
        count = len(self.problems)
        lines = "\n".join(str(p) for p in self.problems)
        super().__init__(f"{count} problem{'s' if count != 1 else ''} in rule files:\n{lines}")


def format_loc(loc: Loc) -> str:
    """``steps[1].where.all[0].field``; ``<document>`` for the whole document."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out or "<document>"


def validation_problems(exc: ValidationError, doc: YamlDocument, file: Path, *,
                        base: Loc = ()) -> list[SourceProblem]:
    """Pydantic's errors for ``doc`` (or its part at ``base``) as ``file:line`` problems.

    Of the members of an undiscriminated union only the closest fits are reported: the ones
    with the fewest missing or unexpected keys at the union's own level.
    """
    errors = [_Located.of(error, doc, base) for error in exc.errors()]
    kept = _closest_union_members(errors, doc)
    problems = {SourceProblem(file, e.line, f"{format_loc(e.path)}: {e.message}") for e in kept}
    return sorted(problems, key=lambda p: (p.line, p.message))


@dataclass(frozen=True, slots=True)
class _Located:
    path: Loc  # where in the data, including a missing key
    line: int
    message: str
    structural: bool
    branches: tuple[tuple[Loc, str], ...]  # (data path of the union, member name) pairs

    @classmethod
    def of(cls, error: ErrorDetails, doc: YamlDocument, base: Loc) -> _Located:
        loc: list[Any] = [*base, *error["loc"]]
        missing = loc.pop() if error["type"] == "missing" and loc else None
        kept: list[str | int] = []
        branches: list[tuple[Loc, str]] = []
        node: Any = doc.data
        for part in loc:
            if has_child(node, part):
                node = node[part]
                kept.append(part)
            else:
                branches.append((tuple(kept), str(part)))
        path, line = tuple(kept), doc.line(tuple(kept))
        if error["type"].startswith("union_tag") and isinstance(node, dict) and "kind" in node:
            path, line = (*path, "kind"), doc.line((*path, "kind"))
        if missing is not None:
            path = (*path, missing)
        return cls(path=path, line=line, message=error["msg"],
                   structural=error["type"] in _STRUCTURAL, branches=tuple(branches))


def _closest_union_members(errors: list[_Located], doc: YamlDocument) -> list[_Located]:
    misfit: dict[Loc, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for error in errors:
        for at, member in error.branches:
            score = misfit[at]
            score[member] += 0
            if error.structural and len(error.path) == len(at) + 1:
                score[member] += 1
            if member.startswith("list[") != isinstance(_data_at(doc, at), list):
                score[member] += 0.5
    best = {at: min(scores.values()) for at, scores in misfit.items()}
    return [e for e in errors if all(misfit[at][m] == best[at] for at, m in e.branches)]


def _data_at(doc: YamlDocument, loc: Iterable[str | int]) -> Any:
    node: Any = doc.data
    for part in loc:
        node = node[part]
    return node
