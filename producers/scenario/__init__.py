"""Scenario simulators for ``fusion simulate``: the corridor scenario (background traffic of
every feed with daily and weekly cycles, planted threat patterns for every catalogue rule) and
its ground truth. See ``producers/README.md``."""

from producers.scenario.corridor import (
    DEFAULT_CHUNK,
    CorridorScenario,
    GroundTruth,
    Item,
    default_start,
    demo_subscriptions,
    expected_recipients,
    planted_size,
    write_scenario,
)
from producers.scenario.patterns import PLANTERS, Expectation, Planter

__all__ = [
    "DEFAULT_CHUNK", "PLANTERS", "CorridorScenario", "Expectation", "GroundTruth", "Item",
    "Planter", "default_start", "demo_subscriptions", "expected_recipients", "planted_size",
    "write_scenario",
]
