"""Two workers in one group share the correlation partitions: a second worker joins in the
middle of open windows, the rebalance moves partitions (and their rule state, recovered from
the changelog) to it, and every window still leads exactly once. Its own module: no other
worker group may read the topics meanwhile."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from fusion.contract import CORRELATION_PARTITIONS, Agency, lead_topic
from fusion.resolution.keys import entity_keys
from rules.engine.partitioning import partition_of
from tests.factories import vehicle
from tests.integration import partner
from tests.integration.conftest import (
    Stack,
    forget,
    launch_worker,
    metric_value,
    stop_worker,
    subscribe,
    wait_until,
)
from tests.integration.drivers import crossing_with_driver, leads_for, publish, unique_plate

pytestmark = pytest.mark.integration
CORRELATED = "fusion_events_correlated_total"


def _plates_on_every_partition(per_partition: int) -> list[str]:
    """Plates whose vehicle keys cover every correlation partition ``per_partition`` times."""
    found: dict[int, list[str]] = {p: [] for p in range(CORRELATION_PARTITIONS)}
    while any(len(v) < per_partition for v in found.values()):
        plate = unique_plate()
        key = entity_keys(vehicle(plate, "MX-BCN"))[0]
        bucket = found[partition_of(key, CORRELATION_PARTITIONS)]
        if len(bucket) < per_partition:
            bucket.append(plate)
    return [plate for plates in found.values() for plate in plates]


def test_a_joining_worker_takes_over_open_windows_and_each_leads_once(
    stack: Stack, tmp_path: Path,
) -> None:
    run_id, prefix = uuid.uuid4().hex[:10], f"scale-{uuid.uuid4().hex[:8]}:"
    subscribe(stack, prefix)
    plates = _plates_on_every_partition(2)
    start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
    first, one = launch_worker(stack, tmp_path, run_id=run_id, prefix=prefix)
    second = None
    try:
        before = metric_value(one.metrics_url, CORRELATED)
        now = dt.datetime.now(dt.UTC)
        publish(stack, [crossing_with_driver(p, n, now) for p in plates for n in range(2)])
        wait_until(lambda: metric_value(one.metrics_url, CORRELATED) >= before + 2 * len(plates),
                   timeout=30, what="two crossings per plate in the first worker", every=0.1)
        second, two = launch_worker(stack, tmp_path, run_id=run_id, prefix=prefix)
        counts = (metric_value(one.metrics_url, CORRELATED),
                  metric_value(two.metrics_url, CORRELATED))
        publish(stack, [crossing_with_driver(p, 2, dt.datetime.now(dt.UTC)) for p in plates])

        def all_led() -> bool:
            return all(leads_for(stack, p, start) for p in plates)

        wait_until(all_led, timeout=60, what="one lead per plate after the rebalance",
                   every=0.5)
        for plate in plates:
            (lead,) = leads_for(stack, plate, start)
            assert {e.event_id for e in lead.evidence} == {f"md-{plate}-{n}" for n in range(3)}
        # Both workers took third crossings: the windows of the moved partitions were
        # resumed by the joining worker from the changelog, not started afresh.
        assert metric_value(one.metrics_url, CORRELATED) > counts[0]
        assert metric_value(two.metrics_url, CORRELATED) > counts[1]
    finally:
        if second is not None:
            stop_worker(second)
        stop_worker(first)
        forget(stack, prefix)
