"""``fusion evaluate`` on the real stack at small scale: the smallest corridor run that plants
every catalogue rule, through a real worker, scored against its ground truth."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from producers.scenario import planted_size
from producers.scenario.corridor import MIN_BACKGROUND_PER_CHUNK
from tests.integration.conftest import (
    FUSION,
    ROOT,
    Stack,
    forget,
    launch_worker,
    stop_worker,
    subscribe,
)

pytestmark = pytest.mark.integration

EVENTS = planted_size() + MIN_BACKGROUND_PER_CHUNK + 12  # one chunk, every pattern planted
RATE = 50
LATENESS = 3  # the worker's FUSION_ALLOWED_LATENESS in conftest.launch_worker


@pytest.fixture(scope="module")
def worker_env(stack: Stack, tmp_path_factory: pytest.TempPathFactory
               ) -> Iterator[dict[str, str]]:
    """A worker as conftest's ``worker`` fixture starts it; yields what evaluate needs to
    share its Redis prefix and watch its consumer group."""
    run_id = uuid.uuid4().hex[:10]
    prefix = f"test-{run_id}:"
    subscribe(stack, prefix)
    proc, _ = launch_worker(stack, tmp_path_factory.mktemp("worker"), run_id=run_id,
                            prefix=prefix)
    try:
        yield {"FUSION_REDIS_PREFIX": prefix, "FUSION_APP_ID": f"fusion-test-{run_id}"}
    finally:
        stop_worker(proc)
        forget(stack, prefix)


def test_small_corridor_run_finds_the_planted_patterns(worker_env: dict[str, str],
                                                       tmp_path: Path) -> None:
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
