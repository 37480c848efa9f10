"""The HTTP ingest endpoint against the real broker: a mixed batch is answered record by
record, the good events reach the feed topic and the stream worker, the bad ones do not;
401 for an unknown key and 429 over an agency's rate."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from fusion.contract import Agency, Feed, feed_topic
from tests.factories import as_json, listing
from tests.integration import kcat
from tests.integration.conftest import (
    FUSION,
    ROOT,
    Stack,
    Worker,
    free_port,
    metric_value,
    stop_worker,
    wait_until,
)

pytestmark = pytest.mark.integration


@dataclass(frozen=True)
class Endpoint:
    url: str
    keys: dict[Agency, str]


def add_key(keys_file: Path, agency: Agency) -> str:
    env = {**os.environ, "FUSION_INGEST_KEYS_FILE": str(keys_file)}
    result = subprocess.run([FUSION, "ingest", "add-key", agency.value], env=env, check=True,
                            capture_output=True, text=True, timeout=60)
    return result.stdout.strip()


@pytest.fixture(scope="module")
def endpoint(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    tmp = tmp_path_factory.mktemp("ingest")
    keys_file = tmp / "keys.json"
    keys = {agency: add_key(keys_file, agency) for agency in (Agency.HSI, Agency.CBP_OFO)}
    assert all(key not in keys_file.read_text() for key in keys.values())
    port = free_port()
    env = {**os.environ, "FUSION_INGEST_KEYS_FILE": str(keys_file), "FUSION_INGEST_RATE": "0.5",
           "FUSION_INGEST_BURST": "40", "FUSION_INGEST_MAX_BATCH": "40"}
    log = tmp / "ingest.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([FUSION, "ingest", "serve", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: proc.poll() is not None or _healthy(url), timeout=60,
                   what="the ingest endpoint's /healthz")
        assert proc.poll() is None, log.read_text()
        yield Endpoint(url, keys)
    finally:
        stop_worker(proc)
    assert all(key not in log.read_text() for key in keys.values())


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


def post(endpoint: Endpoint, events: list[Any], key: str | None
         ) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{endpoint.url}/v1/events", method="POST", headers=headers,
        data=json.dumps({"events": events}).encode())
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read()), dict(exc.headers)


def test_a_mixed_batch_publishes_the_good_events_and_explains_the_rest(
        stack: Stack, endpoint: Endpoint, worker: Worker) -> None:
    run = uuid.uuid4().hex[:8]
    topic = feed_topic(Agency.HSI, Feed.WATCHLIST)
    start = kcat.end_offsets(stack.bootstrap, topic)
    valid_before = metric_value(worker.metrics_url, "fusion_events_valid_total",
                                'feed="watchlist"')
    listed_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)  # the worker takes it (age)
    good = [as_json(listing(f"H{run[:5]}{n}", entry_id=f"http-{run}-{n}", at=listed_at))
            for n in range(4)]
    other_agency = as_json(listing("D1", entry_id=f"http-{run}-dea", agency=Agency.DEA))
    no_grading = {k: v for k, v in as_json(listing("N1", entry_id=f"http-{run}-ng")).items()
                  if k != "grading"}
    status, doc, _ = post(endpoint, [good[0], other_agency, good[1], no_grading, good[2],
                                     "not an event", good[3]], endpoint.keys[Agency.HSI])

    assert status == 200
    assert [a["index"] for a in doc["accepted"]] == [0, 2, 4, 6]
    refused = {r["index"]: r for r in doc["refused"]}
    assert refused[1]["reason"] == "agency-mismatch"
    assert refused[1]["errors"][0]["message"] == "agency HSI may not publish for DEA"
    assert (refused[3]["reason"], refused[3]["event_id"]) == ("schema-violation",
                                                              f"wl-http-{run}-ng")
    assert refused[3]["errors"][0]["field"] == "grading"
    assert refused[5]["reason"] == "not-an-object"

    def ours() -> list[str]:
        ids = [m.json()["event_id"] for m in kcat.read_to_end(stack.bootstrap, topic, start)]
        return [i for i in ids if run in i]

    wait_until(lambda: len(ours()) >= 4, timeout=30, what="the accepted events on the topic")
    assert sorted(ours()) == sorted(e["event_id"] for e in good)
    # The stream worker took them in: each watchlist entry is in its Redis state.
    entries = [f"{worker.prefix}wl:entry:HSI/{e['attributes']['entry_id']}" for e in good]
    wait_until(lambda: all(stack.redis.exists(k) for k in entries), timeout=60,
               what="the worker's watchlist entries")
    assert metric_value(worker.metrics_url, "fusion_events_valid_total",
                        'feed="watchlist"') >= valid_before + 4
    assert not stack.redis.exists(f"{worker.prefix}wl:entry:DEA/http-{run}-dea")


@pytest.mark.parametrize("key", [None, "not-a-key"])
def test_a_missing_or_unknown_key_is_refused(endpoint: Endpoint, key: str | None) -> None:
    status, doc, headers = post(endpoint, [as_json(listing())], key)
    assert status == 401
    assert "API key" in doc["error"]
    assert headers["WWW-Authenticate"] == "Bearer"


def test_an_agency_over_its_rate_gets_429_with_retry_after(stack: Stack,
                                                            endpoint: Endpoint) -> None:
    run = uuid.uuid4().hex[:8]
    key = endpoint.keys[Agency.CBP_OFO]
    batch = [as_json(listing(f"R{n}", entry_id=f"rate-{run}-{n}", agency=Agency.CBP_OFO))
             for n in range(30)]
    status, doc, _ = post(endpoint, batch, key)
    assert status == 200
    assert len(doc["accepted"]) == 30
    status, doc, headers = post(endpoint, batch, key)
    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    assert "CBP-OFO" in doc["error"]
    # Another agency's bucket is untouched.
    status, _, _ = post(endpoint, [as_json(listing("R0", entry_id=f"rate-{run}-hsi"))],
                        endpoint.keys[Agency.HSI])
    assert status == 200
    metrics = urllib.request.urlopen(f"{endpoint.url}/metrics", timeout=5).read().decode()  # noqa: S310
    assert 'fusion_ingest_requests_total{agency="CBP-OFO",outcome="rate-limited"} 1.0' in metrics
