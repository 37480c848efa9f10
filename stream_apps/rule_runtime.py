"""The rule set a worker runs, swappable while it runs (hot reload).

The rule-sets agent replaces ``runtime.rules`` when a new rule set is published; each
correlation partition builds its engine with ``engine_for`` and rebuilds it when the rule
set's digest changes. The new engine shares the old one's state store, so windows, held
events and pending absences of rules that stay carry over; state of a removed rule is left to
expire.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.rule_sets import latest_rule_set_record
from fusion.errors import ConfigurationError
from rules.engine import RuleEngine, StateStore
from rules.engine.compiled_rules import CompiledRules
from rules.loader import RuleSet, load_catalogue
from rules.published import decode_rule_set

log = logging.getLogger(__name__)


@dataclass
class RuleRuntime:
    rules: RuleSet
    source: str
    lateness: dt.timedelta
    _compiled: tuple[str, CompiledRules] | None = field(default=None, repr=False)

    def engine_for(self, store: StateStore, owns: Callable[[str], bool]) -> RuleEngine:
        """An engine of the current rule set over one partition's state; the caller moves
        its watermark (``self_watermarking=False``). Every partition's engine shares the rule
        set's one compiled form."""
        return RuleEngine(self.compiled(), state=store, allowed_lateness=self.lateness,
                          self_watermarking=False, owns=owns, watchlist_crossings=True)

    def compiled(self) -> CompiledRules:
        """The current rule set compiled, once per rule set (by digest)."""
        if self._compiled is None or self._compiled[0] != self.rules.digest:
            self._compiled = (self.rules.digest,
                              CompiledRules(self.rules.rules, aliases=self.rules.aliases))
        return self._compiled[1]

    def swap(self, rules: RuleSet, *, source: str) -> None:
        """Run ``rules`` from now on, compiled here (not in the next batch of events)."""
        self.rules, self.source = rules, source
        self.compiled()
        log.info("now running rule set %s (%d rules) from %s", rules.digest[:12],
                 len(rules.rules), source)


def initial_rule_set(*, access: KafkaAccess, topic: str, rules_dir: Path) -> tuple[RuleSet, str]:
    """The latest rule set published on ``topic``, else the catalogue in ``rules_dir``."""
    raw = latest_rule_set_record(access, topic)
    if raw is not None:
        try:
            ruleset, published = decode_rule_set(raw)
            return ruleset, f"{topic} (published {published.published_at:%Y-%m-%dT%H:%M:%SZ} " \
                            f"from {published.source})"
        except (ValidationError, ConfigurationError) as exc:
            log.error("ignoring the rule set on %s: %s", topic, exc)
    return load_catalogue(rules_dir), str(rules_dir)
