"""The simulator's traffic: reproducible from its seed, valid on the wire, hits on demand."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from typing import Any

import pytest

from fusion.contract import EventEnvelope, ValidEvent, Vehicle, decode_event, feed_topic
from fusion.resolution.keys import entity_keys
from producers.traffic import TrafficGenerator
from tests.factories import T0


def _clock(start: dt.datetime = T0) -> Iterator[dt.datetime]:
    return (start + dt.timedelta(milliseconds=50 * i) for i in itertools.count())


def _run(seed: int, n: int = 200, **kw: Any) -> list[EventEnvelope]:
    gen = TrafficGenerator(seed, **kw)
    return [*gen.watchlist(at=T0 - dt.timedelta(days=1)),
            *itertools.islice(gen.crossings(_clock()), n)]


def _vehicle(event: EventEnvelope) -> Vehicle:
    vehicles = [e for e in event.entities if isinstance(e, Vehicle)]
    assert len(vehicles) == 1, event.entities
    return vehicles[0]


def test_same_seed_and_clock_give_identical_events() -> None:
    a = [e.model_dump_json() for e in _run(7)]
    b = [e.model_dump_json() for e in _run(7)]
    assert len(a) == 220
    assert a == b


def test_another_seed_gives_other_events() -> None:
    a = [e.model_dump_json() for e in _run(7)]
    b = [e.model_dump_json() for e in _run(8)]
    assert len(a) == len(b)
    assert sum(x != y for x, y in zip(a, b, strict=True)) > 200


def test_crossing_times_come_from_the_clock() -> None:
    gen = TrafficGenerator(1)
    events = list(itertools.islice(gen.crossings(_clock()), 5))
    assert [e.occurred_at for e in events] == [T0 + dt.timedelta(milliseconds=50 * i)
                                               for i in range(5)]
    assert len({e.event_id for e in events}) == 5


@pytest.mark.parametrize("size", [0, 1, 20, 57])
def test_watchlist_has_watchlist_size_entries(size: int) -> None:
    entries = TrafficGenerator(3, watchlist_size=size).watchlist(at=T0)
    assert len(entries) == size
    assert len({e.event_id for e in entries}) == size


def test_full_hit_ratio_makes_every_crossing_a_watchlisted_vehicle() -> None:
    gen = TrafficGenerator(11, watchlist_size=5, hit_ratio=1.0)
    listed = {key for e in gen.watchlist(at=T0) for key in entity_keys(e.entities[0])}
    assert len(listed) == 5
    crossings = list(itertools.islice(gen.crossings(_clock()), 200))
    assert all(entity_keys(_vehicle(c))[0] in listed for c in crossings)
    # Some of them are typed with a dash, yet still resolve to the listed key.
    assert any("-" in _vehicle(c).plate for c in crossings)


def test_zero_hit_ratio_gives_no_watchlisted_vehicle() -> None:
    gen = TrafficGenerator(11, watchlist_size=5, hit_ratio=0.0)
    listed = {key for e in gen.watchlist(at=T0) for key in entity_keys(e.entities[0])}
    crossings = list(itertools.islice(gen.crossings(_clock()), 200))
    hits = [c for c in crossings if entity_keys(_vehicle(c))[0] in listed]
    assert hits == []


@pytest.mark.parametrize("seed", [0, 7, 2026])
def test_every_generated_event_decodes_on_its_own_topic(seed: int) -> None:
    events = _run(seed, n=300, hit_ratio=0.3)
    for event in events:
        topic = feed_topic(event.agency, event.feed)
        result = decode_event(event.model_dump_json().encode(), topic=topic)
        assert isinstance(result, ValidEvent), (topic, result)
        assert result.envelope == event
