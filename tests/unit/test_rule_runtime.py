"""The worker's rule set: compiled once per rule set and shared by every partition's engine,
compiled again when a new rule set is swapped in (hot reload)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from rules.engine import InMemoryStore
from rules.loader import RuleSet, load_catalogue
from stream_apps.rule_runtime import RuleRuntime

CATALOGUE = Path(__file__).resolve().parents[2] / "rules" / "catalogue"


def _runtime() -> tuple[RuleRuntime, RuleSet]:
    rules = load_catalogue(CATALOGUE)
    return RuleRuntime(rules, "test", dt.timedelta(minutes=10)), rules


def test_every_partition_engine_shares_one_compiled_rule_set() -> None:
    runtime, _ = _runtime()
    first = runtime.compiled()
    runtime.engine_for(InMemoryStore(), lambda key: True)
    runtime.engine_for(InMemoryStore(), lambda key: False)
    assert runtime.compiled() is first


def test_a_swapped_rule_set_is_compiled_anew_and_only_it_runs() -> None:
    runtime, rules = _runtime()
    before = runtime.compiled()
    fewer = RuleSet(rules=rules.rules[:3], aliases=rules.aliases, sources={}, digest="fewer")
    runtime.swap(fewer, source="test")
    after = runtime.compiled()
    assert after is not before
    assert set(after.matches) | set(after.kinds) == {r.id for r in rules.rules[:3] if r.enabled}
