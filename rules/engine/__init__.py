"""The rule engine (pure): compiled filters, per-kind evaluation, event time and state."""

from rules.engine.engine import DEFAULT_LATENESS, EngineResult, RuleEngine
from rules.engine.explain import build_finding, rule_ref
from rules.engine.state import InMemoryStore, JsonDict, MappingStore, StateStore

__all__ = [
    "DEFAULT_LATENESS", "EngineResult", "InMemoryStore", "JsonDict", "MappingStore",
    "RuleEngine", "StateStore", "build_finding", "rule_ref",
]
