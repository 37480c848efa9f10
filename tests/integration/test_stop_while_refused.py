"""A worker asked to stop while the broker refuses its outputs exits at once (status 3)
without committing past their input, and the next worker of its group reads the record again
and delivers the dead letter. Its own workers: no module worker reads the feeds meanwhile."""

from __future__ import annotations

import subprocess
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaAdminClient

from fusion.contract import DEAD_LETTER_TOPIC
from fusion.contract.principals import intake_group
from tests.integration import partner
from tests.integration.conftest import (
    Stack,
    forget,
    launch_worker,
    stop_worker,
    subscribe,
    wait_until,
)
from tests.integration.test_refused_outputs import (  # the helpers and fixtures, no test
    _bad_record,
    _committed,
    _crossing,
    _health,
    _letters_for,
    _publish,
    admin,
    shrink,
)

pytestmark = pytest.mark.integration
__all__ = ["admin", "shrink"]  # fixtures used by name


def test_a_worker_stopped_while_refused_exits_without_committing(
        stack: Stack, admin: KafkaAdminClient, shrink: Callable[[bool], None],
        tmp_path: Path) -> None:
    run_id = uuid.uuid4().hex[:10]
    prefix = f"test-{run_id}:"
    subscribe(stack, prefix)
    proc, worker = launch_worker(stack, tmp_path, run_id=run_id, prefix=prefix)
    second: subprocess.Popen[bytes] | None = None
    try:
        first = _publish(stack, _crossing("ROSTOP1", f"stop-{run_id}"))
        wait_until(lambda: _committed(admin, intake_group(worker.app_id)) > first, timeout=30,
                   what="a committed offset on the test partition")
        dlq_start = partner.end_offsets(stack.admin, DEAD_LETTER_TOPIC)
        shrink(True)
        bad = _publish(stack, _bad_record(run_id))
        wait_until(lambda: _health(worker)[0] == 503, timeout=30,
                   what="/healthz to report the refused dead letter")
        proc.terminate()
        assert proc.wait(timeout=30) == 3
        assert "exiting without committing their input" in worker.log.read_text()
        assert _committed(admin, intake_group(worker.app_id)) == bad
        assert _letters_for(stack, dlq_start, bad) == []

        shrink(False)
        again = tmp_path / "again"
        again.mkdir()
        second, _ = launch_worker(stack, again, run_id=run_id, prefix=prefix)
        letters = wait_until(lambda: _letters_for(stack, dlq_start, bad), timeout=60,
                             what="the dead letter from the next worker of the group")
        # At least once: a rebalance while the old member's session runs out may have the
        # new worker read the record twice before its first commit.
        assert {letter.reason.value for letter in letters} == {"malformed-json"}
        wait_until(lambda: _committed(admin, intake_group(worker.app_id)) > bad, timeout=30,
                   what="the group's offset past the record")
    finally:
        for each in (proc, second):
            if each is not None and each.poll() is None:
                stop_worker(each)
        forget(stack, prefix)
