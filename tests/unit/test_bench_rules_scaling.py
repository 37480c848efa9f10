"""The generated 1,000-rule set of bench/rules_scaling.py: valid, unique, spread over feeds."""

from __future__ import annotations

from pydantic import TypeAdapter

from bench.rules_scaling import BASE_RULES, base_rules, rule_feeds, rule_sets
from rules.engine import RuleEngine
from rules.language import RuleSpec


def test_large_set_validates_has_unique_ids_and_spreads_over_feeds() -> None:
    sets, aliases = rule_sets(1_000)
    large = sets["1,000 rules"]
    assert len(large) == 1_000
    assert len({rule.id for rule in large}) == 1_000
    adapter = TypeAdapter[RuleSpec](RuleSpec)
    for rule in large:  # round-trips through the rule-file form
        assert adapter.validate_python(adapter.dump_python(rule, by_alias=True)) == rule
    generated = large[len(BASE_RULES):]
    assert len({feed for rule in generated for feed in rule_feeds(rule)}) >= 8
    RuleEngine(large, aliases=aliases)  # every clause compiles


def test_small_set_is_ten_catalogue_rules_of_several_kinds() -> None:
    rules, _ = base_rules()
    assert [rule.id for rule in rules] == list(BASE_RULES)
    assert len({rule.kind for rule in rules}) >= 5


def test_idle_set_is_the_generated_rules_never_matching_the_stream() -> None:
    from bench.rules_scaling import build_events, generated_rules, silent_rules

    _, aliases = base_rules()
    idle, generated = silent_rules(190), generated_rules(190)
    assert [rule.id for rule in idle] == [rule.id for rule in generated]
    assert [rule.kind for rule in idle] == [rule.kind for rule in generated]
    events = build_events(1_500, 3)
    engine, live = RuleEngine(idle, aliases=aliases), RuleEngine(generated, aliases=aliases)
    assert sum(len(engine.process(event).findings) for event in events) == 0
    assert sum(len(live.process(event).findings) for event in events) > 0  # same stream fires
