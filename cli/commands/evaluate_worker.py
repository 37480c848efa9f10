"""``fusion evaluate``'s own worker: a ``fusion worker`` process for one run, with its own
app id (consumer group, Faust topics), Redis prefix and web port, an allowed clock skew that
covers the scenario's compressed event time, started at the current end of the topics it
reads, and removed again (process, Faust topics, group) when the run ends.

Why a worker of its own: the corridor scenario compresses about 40 hours of event time into a
minute of wall time, so its events lie hours to days ahead of any clock. A worker with the
default ``FUSION_MAX_CLOCK_SKEW`` (300 s) dead-letters them as ``event-in-future``, as it
should; this one is told to accept them, and a running worker of another app id skips the
internal records it writes (``fusion-app`` header), so neither disturbs the other.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path

from fusion.contract import OwnTopics
from fusion.errors import DependencyUnavailableError
from producers.scenario import CorridorScenario

READY_TIMEOUT = 120.0
SKEW_SLACK = dt.timedelta(hours=1)  # the run takes wall time too; the clocks may differ


@dataclass(frozen=True)
class OwnWorker:
    app_id: str
    redis_prefix: str
    web_port: int
    max_clock_skew: float  # seconds
    log: Path
    proc: subprocess.Popen[bytes]
    topics: OwnTopics  # its own subscriptions, audit and watchlist record

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


def new_app_id() -> str:
    return f"fusion-worker-evaluate-{uuid.uuid4().hex[:8]}"


def scenario_end(scenario: CorridorScenario, *, events: int, tail_margin: dt.timedelta,
                 tail_step: dt.timedelta) -> dt.datetime:
    """The latest event time the run publishes: its last event, or the end of the sparse
    tail that follows until event time passes every record's due_by (+ ``tail_margin``,
    overshooting by at most one tail batch, ``tail_step``). Reads a fresh copy of the
    scenario (same seed and start: the same stream)."""
    last = scenario.start
    due: dt.datetime | None = None
    for item in scenario.items(events):
        last = max(last, item.event.occurred_at)
        for truth in item.completes:
            due = truth.due_by if due is None else max(due, truth.due_by)
    if due is None or last >= due + tail_margin:
        return last
    return due + tail_margin + tail_step


def required_skew(end: dt.datetime, now: dt.datetime) -> float:
    """Seconds of FUSION_MAX_CLOCK_SKEW a worker needs to take events up to ``end`` from
    ``now`` on (whole minutes, with an hour to spare)."""
    seconds = (end - now + SKEW_SLACK).total_seconds()
    return float(max(300, 60 * -(-int(seconds) // 60)))


def start_worker(*, app_id: str, topics: OwnTopics, max_clock_skew: float, lateness: float,
                 run_dir: Path) -> OwnWorker:
    """Start ``fusion worker`` for ``app_id`` and wait until its web server answers."""
    folder = run_dir / "evaluate" / app_id
    folder.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    prefix = f"{app_id}:"
    env = {**os.environ, "FUSION_APP_ID": app_id, "FUSION_REDIS_PREFIX": prefix,
           "FUSION_WEB_PORT": str(port), "FUSION_MAX_CLOCK_SKEW": f"{max_clock_skew:g}",
           "FUSION_ALLOWED_LATENESS": f"{lateness:g}", "FUSION_AUTO_OFFSET_RESET": "latest",
           "FUSION_DATA_DIR": str(folder / "faust"),
           "FUSION_SUBSCRIPTIONS_TOPIC": topics.subscriptions,
           "FUSION_AUDIT_TOPIC": topics.audit, "FUSION_WATCHLIST_STATE_TOPIC": topics.watchlist}
    log = folder / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "cli.main", "worker"],
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    worker = OwnWorker(app_id, prefix, port, max_clock_skew, log, proc, topics)
    deadline = time.monotonic() + READY_TIMEOUT
    while not _answers(f"http://127.0.0.1:{port}/healthz"):
        if not worker.alive or time.monotonic() > deadline:
            stop_worker(worker)
            raise DependencyUnavailableError(
                "fusion evaluate's own worker", str(log),
                f"it {'exited' if not worker.alive else 'did not answer in time'}; its log "
                f"ends:\n{worker.log_tail()}")
        time.sleep(0.2)  # polling interval of the readiness check
    return worker


def stop_worker(worker: OwnWorker) -> None:
    if worker.alive:
        worker.proc.terminate()
    try:
        worker.proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        worker.proc.kill()
        worker.proc.wait()


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback)
            return bool(response.status == 200)
    except OSError:
        return False


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
