"""The route index (``rules/engine/index.py``, ``filing.py``) and the field readers under it:
whatever is filed, memoised or read by a written-out reader, an event passes exactly the
clauses that testing every clause of its feed and type would give, in the order added."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pytest

from bench import rules_scaling as rs
from fusion.contract import EventEnvelope
from rules.engine.checks import plain
from rules.engine.compiled import CompiledFilter, EvalContext, compile_filter
from rules.engine.fields import path_reader, plain_reader
from rules.engine.index import RouteIndex
from rules.engine.kinds import stateful_kind
from rules.engine.probe import Probe
from rules.language.spec import MatchRule
from tests.factories import crossing, vehicle, vehicle_tip

PATHS = (
    "agency", "feed", "type", "event_id", "location", "location.port", "location.corridor",
    "location.coordinates", "location.coordinates.lat", "location.nothing", "grading.source",
    "handling.tlp", "handling.releasable_to", "attributes.direction", "attributes.count",
    "attributes.outcome", "attributes.multiple_sale", "attributes.nothing", "entities.vehicle",
    "entities.vehicle.plate", "entities.vehicle.plate_region", "entities.vehicle.key",
    "entities.document[purchaser].number", "entities.document.issuing_country",
    "entities.firearm.serial",
)


@dataclass(frozen=True, slots=True)
class _Route:
    order: int
    test: CompiledFilter


@cache
def _events() -> list[EventEnvelope]:
    return rs.build_events(1500, 11)


@cache
def _routes() -> list[_Route]:
    sets, aliases = rs.rule_sets(400)
    specs = []
    for rule in sets["400 rules"]:
        if isinstance(rule, MatchRule):
            specs.append(rule.when)
        else:
            specs += [spec for _clause, spec in stateful_kind(rule).clauses()]
    return [_Route(n, compile_filter(spec, aliases=aliases)) for n, spec in enumerate(specs)]


def _every_passing(routes: list[_Route], event: EventEnvelope) -> list[_Route]:
    ctx = EvalContext()
    return [route for route in routes if route.test(event, ctx)]


@pytest.mark.parametrize("path", PATHS)
def test_a_plain_reader_reads_what_the_generic_walk_reads(path: str) -> None:
    for event in _events():
        expected = [plain(value) for value in path_reader(path)(event)]
        got = plain_reader(path)(event)
        assert got == expected
        assert [type(v) for v in got] == [type(v) for v in expected]


def test_the_index_passes_what_testing_every_clause_passes() -> None:
    routes = _routes()
    index = RouteIndex(routes)
    ctx = EvalContext()
    for event in _events():
        assert index.passing(Probe(event), ctx) == _every_passing(routes, event)


def test_an_event_with_several_values_at_an_indexed_field_passes_each_clause_once() -> None:
    """Two vehicles of different regions hit two values of one indexed field; a clause filed
    under both values (``in``) is passed once, and the clauses come out in the order added,
    scanned ones among them."""
    from rules.language.spec import EventFilter

    def route(order: int, where: dict[str, object] | None) -> _Route:
        spec = EventFilter.model_validate({"feed": "tips", **({"where": where} if where else {})})
        return _Route(order, compile_filter(spec))

    region = "entities.vehicle.plate_region"
    routes = [route(0, {"field": region, "in": ["US-TX", "US-AZ"]}),
              route(1, None),  # scanned: no indexable predicate
              route(2, {"field": region, "eq": "US-AZ"}),
              route(3, {"field": region, "eq": "US-TX"}),
              route(4, {"field": region, "eq": "MX-SON"})]
    two = vehicle_tip().model_copy(update={"entities": [vehicle("AAA111", "US-TX"),
                                                        vehicle("BBB222", "US-AZ")]})
    passed = RouteIndex(routes).passing(Probe(two), EvalContext())
    assert [r.order for r in passed] == [0, 1, 2, 3]
    assert passed == _every_passing(routes, two)


def test_an_unhashable_value_at_an_indexed_field_hits_nothing() -> None:
    spec = rs.rule_sets(20)[0]["20 rules"][0]
    assert isinstance(spec, MatchRule)  # port-runner: indexed on the crossing's outcome
    index = RouteIndex([_Route(0, compile_filter(spec.when, aliases=rs.base_rules()[1]))])
    odd = crossing()
    odd = odd.model_copy(update={"attributes": {**odd.attributes, "outcome": [{"a": 1}]}})
    assert index.passing(Probe(odd), EvalContext()) == []
    assert not index.any_candidate(Probe(odd))
