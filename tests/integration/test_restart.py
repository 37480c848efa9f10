"""A worker killed (SIGKILL) in the middle of a rule's window resumes from its changelog-backed
table and leads exactly once. Its own module: no other worker group may read the topics meanwhile,
or a second group would lead too."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from fusion.contract import Agency, lead_topic
from tests.integration import partner
from tests.integration.conftest import (
    Stack,
    audit_of,
    forget,
    launch_worker,
    metric_value,
    stop_worker,
    subscribe,
    wait_until,
)
from tests.integration.drivers import crossing_with_driver, leads_for, publish, unique_plate

pytestmark = pytest.mark.integration


def test_worker_killed_mid_window_resumes_and_leads_exactly_once(
    stack: Stack, tmp_path: Path,
) -> None:
    run_id, prefix = uuid.uuid4().hex[:10], f"restart-{uuid.uuid4().hex[:8]}:"
    subscribe(stack, prefix)
    plate = unique_plate()
    start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
    first, worker = launch_worker(stack, tmp_path, run_id=run_id, prefix=prefix)
    try:
        before = metric_value(worker.metrics_url, "fusion_events_correlated_total")
        now = dt.datetime.now(dt.UTC)
        publish(stack, [crossing_with_driver(plate, n, now) for n in range(2)])
        wait_until(lambda: metric_value(worker.metrics_url, "fusion_events_correlated_total")
                   >= before + 2, timeout=20, what="two crossings in the window", every=0.1)
        first.kill()  # SIGKILL: no clean shutdown, no final commit
        first.wait(timeout=30)
        second, worker = launch_worker(stack, tmp_path, run_id=run_id, prefix=prefix)
        try:
            publish(stack, [crossing_with_driver(plate, 2, dt.datetime.now(dt.UTC))])
            (lead,) = wait_until(lambda: leads_for(stack, plate, start), timeout=60,
                                 what="the lead after the restart", every=0.25)
            wait_until(lambda: audit_of(stack, worker, lead.lead_id),
                       timeout=10, what="the lead's dissemination audit")
            assert {e.event_id for e in lead.evidence} == {f"md-{plate}-{n}" for n in range(3)}
            assert len(leads_for(stack, plate, start)) == 1
        finally:
            stop_worker(second)
    finally:
        if first.poll() is None:
            stop_worker(first)
        forget(stack, prefix)
