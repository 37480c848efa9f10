"""The corridor scenario: background traffic with every pattern planted in it, and the ground
truth that says which lead each planted pattern should make, for whom, by when.

Everything comes from one ``random.Random(seed)``; event time starts at ``start`` and moves
on by simulated time (about ``per_hour`` background events per simulated hour at an average
hour, following the daily and weekly cycles). The stream is made in *chunks* of
``chunk_events`` events: each chunk draws its background times, places every planter once at
a random time inside the chunk (compressing a pattern's spacing if the chunk is shorter than
it), then makes the background events and merges both by event time. Publish order is event
time order (ties keep the order of making). An endless run is an endless series of chunks.

Ground truth (one JSON object per line, per expected finding; see ``GroundTruth.to_json``):
a planted pattern has one primary record and, where a second rule must fire on the same
events, more records with ``"primary": false`` (only ``eseal-tamper-not-inspected``, whose
tamper is also an ``eseal-tamper``). ``due_by`` = ``fires_at`` + the worker's allowed
lateness: the event time by which the lead should exist (a stateful finding comes out once
the watermark, max event time seen minus lateness, passes the rule's last event or deadline).
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fusion.contract import Agency, EventEnvelope, Handling
from leads.releasability import combine_handling, may_receive
from leads.subscriptions import DEMO_SUBSCRIBERS, Subscription
from producers.scenario.background import Background
from producers.scenario.factory import EntityFactory
from producers.scenario.patterns import PATTERN_HANDLINGS, PLANTERS, Expectation, Plant

DEFAULT_LATENESS = dt.timedelta(minutes=10)  # rules.engine.DEFAULT_LATENESS; the worker's default
DEFAULT_CHUNK = 5000
MIN_BACKGROUND_PER_CHUNK = 100


def planted_size() -> int:
    """Events one chunk's planted patterns take."""
    return sum(p.size for p in PLANTERS)


def demo_subscriptions() -> list[Subscription]:
    """Every agency ``fusion subscriptions seed-demo`` subscribes, to everything."""
    return [Subscription(agency=a) for a in DEMO_SUBSCRIBERS]


@dataclass(frozen=True, slots=True)
class GroundTruth:
    pattern_id: str
    expectation: Expectation
    handling: Handling
    recipients: tuple[Agency, ...]
    withheld: dict[str, str]
    due_by: dt.datetime
    lateness: dt.timedelta

    def to_json(self) -> dict[str, Any]:
        e = self.expectation
        return {
            "pattern_id": self.pattern_id,
            "rule_id": e.rule_id,
            "category": e.category,
            "primary": e.primary,
            "engine": e.engine,
            "events": [ev.key for ev in e.evidence],
            "context_events": [ev.key for ev in e.context],
            "group_key": e.group_key,
            "subjects": list(e.subjects),
            "first_event_at": min(ev.occurred_at for ev in e.evidence).isoformat(),
            "last_event_at": max(ev.occurred_at for ev in e.evidence).isoformat(),
            "fires_at": e.fires_at.isoformat(),
            "allowed_lateness_seconds": self.lateness.total_seconds(),
            "due_by": self.due_by.isoformat(),
            "handling": self.handling.model_dump(mode="json"),
            "recipients": [a.value for a in self.recipients],
            "withheld": self.withheld,
        }


def expected_recipients(handling: Handling, category: str,
                        subscriptions: Sequence[Subscription]
                        ) -> tuple[tuple[Agency, ...], dict[str, str]]:
    """Who should get the lead, and why each other subscriber should not. Priority is not
    checked (it depends on the live score); the demo subscribers take every priority."""
    sent: list[Agency] = []
    withheld: dict[str, str] = {}
    for sub in sorted(subscriptions, key=lambda s: s.agency.value):
        if not sub.enabled:
            withheld[sub.agency.value] = "subscription disabled"
        elif sub.categories is not None and category not in sub.categories:
            withheld[sub.agency.value] = f"category {category} not subscribed"
        else:
            verdict = may_receive(handling, sub.agency)
            if verdict.allowed:
                sent.append(sub.agency)
            else:
                withheld[sub.agency.value] = verdict.reason
    return tuple(sent), withheld


@dataclass(frozen=True, slots=True)
class Item:
    """One event of the stream, with the ground-truth records completed by it."""

    event: EventEnvelope
    completes: tuple[GroundTruth, ...] = ()


class CorridorScenario:
    def __init__(
        self,
        seed: int,
        *,
        start: dt.datetime,
        per_hour: float = 120.0,
        chunk_events: int = DEFAULT_CHUNK,
        lateness: dt.timedelta = DEFAULT_LATENESS,
        subscriptions: Sequence[Subscription] | None = None,
        plant: bool = True,
    ) -> None:
        if start.tzinfo is None:
            raise ValueError("start needs a time zone")
        self.seed = seed
        self.start = start
        self._rng = random.Random(seed)  # noqa: S311 (reproducible simulation, not secrets)
        self._factory = EntityFactory(self._rng, prefix=f"s{seed}")
        self._background = Background(self._rng, self._factory, per_hour=per_hour)
        self._chunk = chunk_events
        self._lateness = lateness
        self._subscriptions = list(subscriptions) if subscriptions is not None \
            else demo_subscriptions()
        self._plant = plant
        self._clock = start
        self._chunks = 0

    def items(self, total: int | None = None) -> Iterator[Item]:
        """The stream in publish order: ``total`` events, or endless if None."""
        made = 0
        while total is None or made < total:
            size = self._chunk if total is None else min(self._chunk, total - made)
            yield from self._one_chunk(size)
            made += size

    def events(self, total: int | None = None) -> Iterator[EventEnvelope]:
        return (item.event for item in self.items(total))

    def _one_chunk(self, size: int) -> list[Item]:
        rng = self._rng
        chunk = self._chunks
        self._chunks += 1
        planting = self._plant and size >= planted_size() + MIN_BACKGROUND_PER_CHUNK
        n_background = size - planted_size() if planting else size
        times = self._background.times(self._clock, n_background)
        end = times[-1][0] if times else self._clock
        span = end - self._clock
        planted: list[tuple[EventEnvelope, GroundTruth | None]] = []
        truths: list[GroundTruth] = []
        if planting:
            for index, planter in enumerate(PLANTERS):
                budget = span * 0.8
                scale = 1.0 if planter.span <= budget else budget / planter.span
                room = span - planter.span * scale
                anchor = self._clock + room * (0.05 + 0.9 * rng.random())
                anchor = anchor.replace(microsecond=0)
                handling = rng.choices([h for h, _ in PATTERN_HANDLINGS],
                                       weights=[w for _, w in PATTERN_HANDLINGS])[0]
                plant = Plant(rng, self._factory, handling)
                expectations = planter.plant(plant, anchor, scale)
                pattern_id = f"s{self.seed}-c{chunk}-p{index:02d}-{planter.rule_id}"
                for expectation in expectations:
                    truths.append(self._truth(pattern_id, expectation))
                planted += [(e, None) for e in plant.events]
        events = [(at, 0, i, self._background.make(at, feed)) for i, (at, feed) in
                  enumerate(times)]
        events += [(e.occurred_at, 1, i, e) for i, (e, _) in enumerate(planted)]
        events.sort(key=lambda row: (row[0], row[1], row[2]))
        position = {row[3].key: n for n, row in enumerate(events)}
        done: dict[int, list[GroundTruth]] = {}
        for truth in truths:
            keys = [e.key for e in (*truth.expectation.evidence, *truth.expectation.context)]
            done.setdefault(max(position[k] for k in keys), []).append(truth)
        self._clock = max(end, events[-1][0]) if events else end
        return [Item(row[3], tuple(done.get(n, ()))) for n, row in enumerate(events)]

    def _truth(self, pattern_id: str, expectation: Expectation) -> GroundTruth:
        handlings = [e.handling for e in expectation.evidence]
        if expectation.rule_handling is not None:
            handlings.append(expectation.rule_handling)
        handling = combine_handling(handlings)
        recipients, withheld = expected_recipients(handling, expectation.category,
                                                   self._subscriptions)
        return GroundTruth(pattern_id, expectation, handling, recipients, withheld,
                           expectation.fires_at + self._lateness, self._lateness)


def write_scenario(out: Path, scenario: CorridorScenario, total: int) -> tuple[int, int]:
    """``events.jsonl`` and ``ground-truth.jsonl`` in ``out``; returns (events, records)."""
    out.mkdir(parents=True, exist_ok=True)
    n_events = n_truths = 0
    with (out / "events.jsonl").open("w", encoding="utf-8") as events, \
            (out / "ground-truth.jsonl").open("w", encoding="utf-8") as truths:
        for item in scenario.items(total):
            events.write(item.event.model_dump_json() + "\n")
            n_events += 1
            for truth in item.completes:
                truths.write(json.dumps(truth.to_json(), sort_keys=True,
                                        ensure_ascii=False) + "\n")
                n_truths += 1
    return n_events, n_truths


def default_start(now: dt.datetime | None = None) -> dt.datetime:
    """Now, rounded down to the hour (UTC)."""
    now = now or dt.datetime.now(dt.UTC)
    return now.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)
