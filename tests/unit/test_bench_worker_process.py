"""A bench's worker processes die with the bench (PR_SET_PDEATHSIG): one left behind by a
stopped bench kept logging in to the next bench's fresh broker with its old password."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PARENT = f"""
import subprocess, sys, time
sys.path.insert(0, {str(ROOT)!r})
from bench.worker_process import _die_with_parent
child = subprocess.Popen(["sleep", "60"], preexec_fn=_die_with_parent)
print(child.pid, flush=True)
time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_bench_worker_dies_when_the_bench_is_killed() -> None:
    parent = subprocess.Popen([sys.executable, "-c", PARENT], stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    with parent.stdout:
        child = int(parent.stdout.readline())
    assert _alive(child)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait(timeout=10)
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)  # polling interval while the kernel delivers the signal
    assert not _alive(child)
