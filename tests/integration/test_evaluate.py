"""``fusion evaluate`` on the real stack at small scale: the smallest corridor run that plants
every catalogue rule, through a real worker, scored against its ground truth."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from producers.scenario import planted_size
from producers.scenario.corridor import MIN_BACKGROUND_PER_CHUNK
from tests.integration.conftest import FUSION, ROOT, Worker

pytestmark = pytest.mark.integration

EVENTS = planted_size() + MIN_BACKGROUND_PER_CHUNK + 12  # one chunk, every pattern planted
RATE = 50
LATENESS = 3  # the worker's FUSION_ALLOWED_LATENESS in conftest.launch_worker


def test_small_corridor_run_finds_the_planted_patterns(worker: Worker, tmp_path: Path) -> None:
    # evaluate shares the worker's Redis prefix and watches its consumer group
    worker_env = {"FUSION_REDIS_PREFIX": worker.prefix, "FUSION_APP_ID": worker.app_id}
    report_path = tmp_path / "report.json"
    result = subprocess.run(
        [FUSION, "evaluate", "--events", str(EVENTS), "--rate", str(RATE), "--settle", "20",
         "--lateness", str(LATENESS), "--json", str(report_path)],
        cwd=ROOT, env={**os.environ, **worker_env},
        capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert report_path.exists(), result.stderr[-3000:]
    report = json.loads(report_path.read_text())
    assert report["records"] == len(report["outcomes"]) >= 21  # every catalogue rule, + intake
    missed = [(o["pattern_id"], o["events"], o["late_events"], o["near_leads"])
              for o in report["outcomes"] if not o["found"]]
    assert report["recall"] >= 0.95, f"missed: {missed}\n{result.stdout}"
    assert report["wrong_recipients"] == [], result.stdout
    assert result.returncode == 0, result.stdout
