"""``fusion evaluate`` on the real stack at small scale: the smallest corridor run that plants
every catalogue rule, through the worker evaluate starts for itself (its own app id and a clock
skew covering the scenario's compressed event time), scored against its ground truth; beside
a running worker of another app id, which skips the evaluation's internal records and
refuses its feed events as being from the future."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
from pathlib import Path

import pytest

from adapters.kafka.clients import open_admin
from producers.scenario import planted_size
from producers.scenario.corridor import MIN_BACKGROUND_PER_CHUNK
from tests.integration.conftest import FUSION, ROOT, Stack, Worker, metric_value

pytestmark = pytest.mark.integration

EVENTS = planted_size() + MIN_BACKGROUND_PER_CHUNK + 12  # one chunk, every pattern planted
RATE = 50
LATENESS = 3  # seconds of allowed lateness for evaluate's own worker (and its ground truth)


def test_small_corridor_run_finds_the_planted_patterns_beside_a_running_worker(
        stack: Stack, worker: Worker, tmp_path: Path) -> None:
    future_before = metric_value(worker.metrics_url, "fusion_dead_letters_total",
                                 'reason="event-in-future"')
    report_path = tmp_path / "report.json"
    env = {**os.environ, "FUSION_IDLE_AFTER": "1", "FUSION_SESSION_TIMEOUT": "8",
           "FUSION_RUN_DIR": str(tmp_path)}
    result = subprocess.run(
        [FUSION, "evaluate", "--events", str(EVENTS), "--rate", str(RATE), "--settle", "20",
         "--lateness", str(LATENESS), "--json", str(report_path)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert report_path.exists(), result.stderr[-3000:]
    report = json.loads(report_path.read_text())
    assert report["records"] == len(report["outcomes"]) >= 21  # every catalogue rule, + intake
    missed = [(o["pattern_id"], o["events"], o["late_events"], o["near_leads"])
              for o in report["outcomes"] if not o["found"]]
    assert report["recall"] >= 0.95, f"missed: {missed}\n{result.stdout}"
    assert report["wrong_recipients"] == [], result.stdout
    assert report["redeliveries"] == 0, result.stdout  # one dispatcher: evaluate's own
    assert result.returncode == 0, result.stdout

    header = re.search(r"event time to (\S+); own worker (fusion-worker-evaluate-[0-9a-f]{8}) with "
                       r"FUSION_MAX_CLOCK_SKEW=(\d+)", result.stdout)
    assert header, result.stdout
    end, app_id, skew = dt.datetime.fromisoformat(header[1]), header[2], int(header[3])
    assert skew >= (end - dt.datetime.now(dt.UTC)).total_seconds() > 3600

    # The other worker refused the scenario's feed events (from its point of view, the
    # future) and skipped the evaluation worker's internal records.
    assert metric_value(worker.metrics_url, "fusion_dead_letters_total",
                        'reason="event-in-future"') > future_before
    assert metric_value(worker.metrics_url, "fusion_foreign_records_total",
                        'topic="internal.events"') > 0
    for partition in range(4):
        lag = metric_value(worker.metrics_url, "fusion_correlation_event_time_lag_seconds",
                           f'partition="{partition}"')
        assert lag > -60, f"partition {partition}'s event time ran ahead by {-lag} s"

    admin = open_admin(stack.admin, client_id="test-admin")
    try:  # evaluate removed what its worker made
        assert [t for t in admin.list_topics() if t.startswith(app_id)] == []
    finally:
        admin.close()
