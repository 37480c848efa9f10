"""The rule catalogue through Faust on the real broker: a stateful rule closes its window and
leads, and an event older than the watermark goes to the late-events topic."""

from __future__ import annotations

import datetime as dt

import pytest

from fusion.contract import (
    CORRELATION_PARTITIONS,
    LATE_EVENTS_TOPIC,
    Agency,
    lead_topic,
)
from rules.engine.partitioning import shares
from stream_apps.records import LATE_PARTITION_HEADER
from tests.integration import partner
from tests.integration.conftest import (
    Stack,
    Worker,
    metric_value,
    wait_until,
)
from tests.integration.drivers import RULE, crossing_with_driver, leads_for, publish, unique_plate

pytestmark = pytest.mark.integration
def test_threshold_rule_closes_its_window_and_leads(stack: Stack, worker: Worker) -> None:
    plate, now = unique_plate(), dt.datetime.now(dt.UTC)
    start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
    publish(stack, [crossing_with_driver(plate, n, now - dt.timedelta(seconds=3 - n))
                     for n in range(3)])
    (lead,) = wait_until(lambda: leads_for(stack, plate, start), timeout=30,
                         what=f"the {RULE} lead for {plate}", every=0.25)
    assert {e.event_id for e in lead.evidence} == {f"md-{plate}-{n}" for n in range(3)}
    assert lead.rule_hits[0].rule_version == 1
    assert "3" in lead.rule_hits[0].explanation


def test_two_drivers_are_not_enough(stack: Stack, worker: Worker) -> None:
    plate, now = unique_plate(), dt.datetime.now(dt.UTC)
    start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
    before = metric_value(worker.metrics_url, "fusion_events_correlated_total")
    publish(stack, [crossing_with_driver(plate, n, now) for n in range(2)])
    # The pair is correlated and its window has passed the watermark (idle ticks move it on
    # within seconds) once a later crossing of another vehicle leads in turn.
    wait_until(lambda: metric_value(worker.metrics_url, "fusion_events_correlated_total")
               >= before + 2, timeout=20, what="both crossings correlated", every=0.2)
    later = unique_plate()
    publish(stack, [crossing_with_driver(later, n, now + dt.timedelta(seconds=1))
                     for n in range(3)])
    wait_until(lambda: leads_for(stack, later, start), timeout=30,
               what="the later vehicle's lead", every=0.25)
    assert leads_for(stack, plate, start) == []


def test_late_event_goes_to_the_side_topic(stack: Stack, worker: Worker) -> None:
    plate = unique_plate()
    old = crossing_with_driver(plate, 0, dt.datetime.now(dt.UTC) - dt.timedelta(days=1))
    start = partner.end_offsets(stack.admin, LATE_EVENTS_TOPIC)
    before = metric_value(worker.metrics_url, "fusion_late_events_total",
                          'feed="poe-crossings"')
    publish(stack, [old])
    # The crossing names a vehicle and a driver: one share per partition owning either key,
    # each refused (late) by its own partition and reported with that partition.
    owners = {s.partition for s in shares(old, CORRELATION_PARTITIONS)}

    def late_in() -> set[int]:
        return {int(m.header(LATE_PARTITION_HEADER) or -1)
                for m in partner.read_to_end(stack.admin, LATE_EVENTS_TOPIC, start)
                if m.key == old.key}

    wait_until(lambda: late_in() == owners, timeout=15, every=0.25,
               what=f"the late crossing on internal.late-events from partitions {owners}")
    assert metric_value(worker.metrics_url, "fusion_late_events_total",
                        'feed="poe-crossings"') == before + len(owners)
