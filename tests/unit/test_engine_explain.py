"""A finding's entities: the grouped one first, then every other entity of its evidence, each
once, equal entities (same kind and fields, as pydantic compares them) counted once."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fusion.contract import Firearm
from rules.engine.explain import build_finding
from rules.engine.windows import strongest_key
from rules.language import RuleSpec
from rules.loader import load_catalogue
from tests.factories import T0, crossing, vehicle, vehicle_tip

CATALOGUE = Path(__file__).resolve().parents[2] / "rules" / "catalogue"


def _rule() -> RuleSpec:
    rule = load_catalogue(CATALOGUE).rule("vehicle-reported-by-two-agencies")
    assert rule is not None
    return rule


def test_the_grouped_entity_comes_first_and_equal_entities_count_once() -> None:
    van, car = vehicle("VAN1"), vehicle("CAR2", "US-AZ")
    gun = Firearm(serial="SN1", make="Colt")
    first = crossing("CAR2", region="US-AZ", event_id="x-1", at=T0)
    second = vehicle_tip("VAN1", at=T0 + dt.timedelta(hours=1)).model_copy(
        update={"entities": [car.model_copy(), gun, van]})  # equal to the first's car
    key = strongest_key(van)
    finding = build_finding(_rule(), key=key, events=[first, second], explanation="x")
    assert finding.entities == (van, car, gun)
    assert len(finding.entities) == len(set(finding.entities))
    alone = build_finding(_rule(), key=None, events=[first, second], explanation="x")
    assert alone.entities == (car, gun, van)


def test_entities_differing_in_one_field_are_two() -> None:
    red = vehicle("VAN1").model_copy(update={"color": "red"})
    event = vehicle_tip("VAN1").model_copy(update={"entities": [vehicle("VAN1"), red]})
    finding = build_finding(_rule(), key=None, events=[event], explanation="x")
    assert finding.entities == (vehicle("VAN1"), red)
