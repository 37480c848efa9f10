"""Every service's /metrics output passes ``promtool check metrics`` (Prometheus' own linter);
the worker's web server serves /metrics and /healthz and nothing else."""

from __future__ import annotations

import os
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.integration.conftest import FUSION, ROOT, Stack, Worker, free_port, wait_until

pytestmark = pytest.mark.integration


def _scrape(url: str) -> str | None:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 (loopback URL)
            text: str = response.read().decode()
            return text
    except OSError:
        return None


def _promtool(text: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["promtool", "check", "metrics"], input=text, capture_output=True,
                          text=True, timeout=30)


def test_worker_metrics_pass_promtool(stack: Stack, worker: Worker) -> None:
    text = _scrape(worker.metrics_url)
    assert text is not None
    assert "fusion_events_valid_total" in text  # the readiness probes went through intake
    assert "fusion_dispatch_decisions_total" in text
    result = _promtool(text)
    assert result.returncode == 0, result.stdout + result.stderr


# Faust's own views (tables by key, the router, statistics, graph, its index): all off.
FAUST_VIEWS = ["/", "/table/", "/table/correlation-state/",
               "/table/correlation-state/0%2Fengine%2Fclock/", "/router/",
               "/router/correlation-state/", "/router/correlation-state/k/", "/stats/",
               "/assignment/", "/graph/", "/performance/", "/metrics/x"]


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback URL)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_the_worker_serves_metrics_and_health_only(worker: Worker) -> None:
    base = worker.metrics_url.removesuffix("/metrics")
    assert _status(f"{base}/metrics") == 200
    with urllib.request.urlopen(f"{base}/healthz", timeout=5) as response:  # noqa: S310
        assert (response.status, response.read()) == (200, b"ok\n")
    found = {path: _status(base + path) for path in FAUST_VIEWS}
    assert found == dict.fromkeys(FAUST_VIEWS, 404)


def test_worker_metrics_with_faust_sensor_pass_promtool(stack: Stack, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "FUSION_FAUST_SENSOR": "true", "FUSION_WEB_PORT": str(port),
           "FUSION_APP_ID": f"fusion-worker-sensor-{port}", "FUSION_AUTO_OFFSET_RESET": "latest",
           "FUSION_REDIS_PREFIX": f"sensor-{port}:", "FUSION_DATA_DIR": str(tmp_path / "faust")}
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([FUSION, "worker"], cwd=ROOT, env=env, stdout=out,
                                stderr=subprocess.STDOUT)
    try:
        text = wait_until(lambda: _scrape(f"http://127.0.0.1:{port}/metrics"), timeout=60,
                          what="the worker's /metrics with Faust's sensor", every=0.2)
        assert "faust_messages_received_total" in text
        result = _promtool(text)
        assert result.returncode == 0, result.stdout + result.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_simulator_metrics_pass_promtool(stack: Stack, tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "FUSION_SIMULATOR_METRICS_PORT": str(port)}
    log = tmp_path / "simulator.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([FUSION, "simulate", "--rate", "20", "--duration", "3"],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/metrics"
        text = wait_until(
            lambda: (t := _scrape(url)) and "poe-crossings" in t and t,
            timeout=20, what="simulator metrics with published crossings", every=0.1)
        result = _promtool(text)
        assert result.returncode == 0, result.stdout + result.stderr
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
