"""A rule set as published on the control topic, for hot reload (pure).

``fusion rules publish`` sends the catalogue (after lint) as one JSON record keyed
``catalogue`` on the compacted topic ``control.rule-sets``; running workers swap their
engine for it without a restart, and a starting worker takes the latest one there before
its own files. The digest is recomputed on receipt: a record whose content does not match
its digest is refused.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from fusion.errors import ConfigurationError
from rules.language.spec import RuleSpec
from rules.loader import RuleSet, ruleset_digest

RULE_SET_KEY = b"catalogue"


class PublishedRuleSet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    schema_version: Literal[1] = 1
    digest: str = Field(pattern=r"^[0-9a-f]{64}$")
    published_at: AwareDatetime
    source: str = Field(description="Where it was published from: a path and a user.")
    rules: list[RuleSpec]
    aliases: dict[str, list[str]]


class RuleSetMismatchError(ConfigurationError):
    """The record's digest does not match its rules: corrupted or hand-edited."""


def encode_rule_set(ruleset: RuleSet, *, now: dt.datetime, source: str) -> bytes:
    published = PublishedRuleSet(
        digest=ruleset.digest, published_at=now, source=source, rules=list(ruleset.rules),
        aliases={name: list(paths) for name, paths in ruleset.aliases.items()})
    return published.model_dump_json(by_alias=True).encode()


def decode_rule_set(raw: bytes) -> tuple[RuleSet, PublishedRuleSet]:
    """The rule set in a control record; raises pydantic's ValidationError or
    ``RuleSetMismatchError``."""
    published = PublishedRuleSet.model_validate_json(raw)
    aliases = {name: tuple(paths) for name, paths in published.aliases.items()}
    digest = ruleset_digest(published.rules, aliases)
    if digest != published.digest:
        raise RuleSetMismatchError(
            f"rule set digest {published.digest[:12]} does not match its content ({digest[:12]})")
    ruleset = RuleSet(rules=tuple(published.rules), aliases=aliases, sources={}, digest=digest)
    return ruleset, published
