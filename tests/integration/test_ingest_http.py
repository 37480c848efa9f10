"""The HTTP ingest endpoint against the real broker, read back with kafka-python: a clean
batch reaches the feed topic and the stream worker; deep nesting, an oversize event and a
mixed batch get a 4xx with nothing of the batch on any feed topic; a batch posted again (to
the same process, and to a process started afterwards, as after a restart) is on its topic
once, also when two processes run side by side; a key revoked with `fusion ingest
revoke-key` gets 401 from the running server; 401 for an unknown key, 429 over the rate."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from adapters.kafka.clients import open_consumer
from adapters.kafka.feed_ledger import event_key
from adapters.kafka.ranges import partitions_of, read_range
from fusion.contract import Agency
from producers.ingest.keys_file import hash_key
from producers.ingest.once import agency_topics
from tests.factories import as_json, listing
from tests.integration.conftest import (
    FUSION,
    ROOT,
    Stack,
    Worker,
    free_port,
    metric_value,
    recorded_entries,
    stop_worker,
    wait_until,
)

pytestmark = pytest.mark.integration

SERVER_ENV = {"FUSION_INGEST_RATE": "0.5", "FUSION_INGEST_BURST": "40",
              "FUSION_INGEST_MAX_BATCH": "40", "FUSION_INGEST_MAX_EVENT_BYTES": "100000",
              # Short, so that a start reads back little of what earlier tests published;
              # still far longer than this module runs.
              "FUSION_INGEST_DEDUP_HORIZON": "900"}


@dataclass(frozen=True)
class Server:
    url: str
    proc: subprocess.Popen[bytes]
    log: Path


@dataclass(frozen=True)
class Endpoint:
    url: str
    keys_file: Path
    keys: dict[Agency, str]
    start: Callable[[], Server]  # another server on the same keys file and broker


def add_key(keys_file: Path, agency: Agency) -> str:
    result = fusion_keys(keys_file, "add-key", agency.value)
    return result.stdout.strip()


def fusion_keys(keys_file: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "FUSION_INGEST_KEYS_FILE": str(keys_file)}
    return subprocess.run([FUSION, "ingest", *args], env=env, check=True, capture_output=True,
                          text=True, timeout=60)


def start_server(keys_file: Path, log: Path) -> Server:
    port = free_port()
    env = {**os.environ, "FUSION_INGEST_KEYS_FILE": str(keys_file), **SERVER_ENV}
    with log.open("wb") as out:
        proc = subprocess.Popen([FUSION, "ingest", "serve", "--port", str(port)], cwd=ROOT,
                                env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until(lambda: proc.poll() is not None or _healthy(url), timeout=90,
                   what="the ingest endpoint's /healthz")
    except BaseException:
        stop_worker(proc)
        raise
    assert proc.poll() is None, log.read_text()
    return Server(url, proc, log)


@pytest.fixture(scope="module")
def endpoint(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    tmp = tmp_path_factory.mktemp("ingest")
    keys_file = tmp / "keys.json"
    keys = {agency: add_key(keys_file, agency)
            for agency in (Agency.HSI, Agency.CBP_OFO, Agency.DEA, Agency.EPIC)}
    assert all(key not in keys_file.read_text() for key in keys.values())
    servers = [start_server(keys_file, tmp / "ingest.log")]

    def another() -> Server:
        servers.append(start_server(keys_file, tmp / f"ingest-{len(servers)}.log"))
        return servers[-1]

    try:
        yield Endpoint(servers[0].url, keys_file, keys, another)
    finally:
        for server in servers:
            stop_worker(server.proc)
    for server in servers:
        assert all(key not in server.log.read_text() for key in keys.values())


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
            return bool(response.status == 200)
    except OSError:
        return False


def post_body(url: str, body: bytes, key: str | None
              ) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers = {"Content-Type": "application/json"}
    if key is not None:
        headers["Authorization"] = f"Bearer {key}"
    request = urllib.request.Request(  # noqa: S310 (loopback)
        f"{url}/v1/events", method="POST", headers=headers, data=body)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (loopback)
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read()), dict(exc.headers)


def post(endpoint: Endpoint | Server, events: list[Any], key: str | None
         ) -> tuple[int, dict[str, Any], dict[str, str]]:
    return post_body(endpoint.url, json.dumps({"events": events}).encode(), key)


class FeedWatch:
    """Every feed topic an agency may publish on, from the end offsets at its creation
    (read with kafka-python: one consumer for all of them, no consumer group)."""

    def __init__(self, stack: Stack, agency: Agency) -> None:
        self._consumer = open_consumer(stack.admin, client_id="test-feed-watch")
        self._start = self._consumer.end_offsets(
            partitions_of(self._consumer, agency_topics(agency)))

    def ids(self, run: str) -> Counter[str]:
        """How often each event id containing ``run`` is on the topics now."""
        found: Counter[str] = Counter()
        for record in read_range(self._consumer, dict(self._start), timeout=30):
            key = event_key(record.value)  # AGENCY/event_id, None for what is no event
            if key is not None and run in key:
                found[key.partition("/")[2]] += 1
        return found

    def close(self) -> None:
        self._consumer.close()


Watch = Callable[[Agency], "FeedWatch"]


@pytest.fixture
def watch(stack: Stack) -> Iterator[Watch]:
    opened: list[FeedWatch] = []

    def watch_from_now(agency: Agency) -> FeedWatch:
        opened.append(FeedWatch(stack, agency))
        return opened[-1]

    yield watch_from_now
    for one in opened:
        one.close()


def events(run: str, count: int, agency: Agency = Agency.HSI) -> list[dict[str, Any]]:
    listed_at = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)  # young enough for the worker
    return [as_json(listing(f"H{run[:5]}{n}", entry_id=f"http-{run}-{n}", agency=agency,
                            at=listed_at)) for n in range(count)]


def test_a_clean_batch_reaches_the_topic_and_the_worker(
        stack: Stack, endpoint: Endpoint, worker: Worker, watch: Watch) -> None:
    run = uuid.uuid4().hex[:8]
    feeds = watch(Agency.HSI)
    valid_before = metric_value(worker.metrics_url, "fusion_events_valid_total",
                                'feed="watchlist"')
    good = events(run, 4)
    status, doc, _ = post(endpoint, good, endpoint.keys[Agency.HSI])
    assert status == 200
    assert doc == {"accepted": [{"index": i, "event_id": e["event_id"]}
                                for i, e in enumerate(good)], "already_accepted": []}
    # Confirmed by the broker before the answer: on the topic already, no waiting.
    assert feeds.ids(run) == Counter(e["event_id"] for e in good)
    entries = {f"HSI/{e['attributes']['entry_id']}" for e in good}
    wait_until(lambda: entries <= recorded_entries(stack, worker), timeout=60,
               what="the worker's watchlist entries")
    # Counted once the broker confirmed the batch's outputs, a moment after the record.
    wait_until(lambda: metric_value(worker.metrics_url, "fusion_events_valid_total",
                                    'feed="watchlist"') >= valid_before + 4, timeout=30,
               what="the valid events counted")


def test_a_mixed_batch_is_refused_whole_and_nothing_is_published(
        endpoint: Endpoint, watch: Watch) -> None:
    run = uuid.uuid4().hex[:8]
    feeds = watch(Agency.HSI)
    good = events(run, 4)
    other_agency = as_json(listing("D1", entry_id=f"http-{run}-dea", agency=Agency.DEA))
    no_grading = {k: v for k, v in as_json(listing("N1", entry_id=f"http-{run}-ng")).items()
                  if k != "grading"}
    status, doc, _ = post(endpoint, [good[0], other_agency, good[1], no_grading, good[2],
                                     "not an event", good[3]], endpoint.keys[Agency.HSI])

    assert status == 422
    assert "nothing of the batch was published" in doc["error"]
    refused = {r["index"]: r for r in doc["refused"]}
    assert sorted(refused) == [1, 3, 5]
    assert refused[1]["reason"] == "agency-mismatch"
    assert refused[1]["errors"][0]["message"] == "agency HSI may not publish for DEA"
    assert (refused[3]["reason"], refused[3]["event_id"]) == ("schema-violation",
                                                              f"wl-http-{run}-ng")
    assert refused[3]["errors"][0]["field"] == "grading"
    assert refused[5]["reason"] == "not-an-object"
    assert feeds.ids(run) == Counter()
    # The same batch without the refused events goes through.
    status, doc, _ = post(endpoint, good, endpoint.keys[Agency.HSI])
    assert (status, len(doc["accepted"])) == (200, 4)
    assert feeds.ids(run) == Counter(e["event_id"] for e in good)


def test_deep_nesting_is_a_400_and_publishes_nothing(endpoint: Endpoint, watch: Watch) -> None:
    run = uuid.uuid4().hex[:8]
    feeds = watch(Agency.HSI)
    good = [json.dumps(e).encode() for e in events(run, 2)]
    body = b'{"events": [' + good[0] + b", " + b"[" * 100_000 + b"]" * 100_000 + b", " \
        + good[1] + b"]}"
    status, doc, _ = post_body(endpoint.url, body, endpoint.keys[Agency.HSI])
    assert status == 400
    assert "nests too deeply" in doc["error"]
    assert feeds.ids(run) == Counter()


def test_an_oversize_event_is_a_413_naming_it_and_publishes_nothing(
        endpoint: Endpoint, watch: Watch) -> None:
    run = uuid.uuid4().hex[:8]
    feeds = watch(Agency.HSI)
    good = events(run, 3)
    huge = {**good[1], "handling": {"tlp": "GREEN", "releasable_to": ["USA"] * 200_000}}
    status, doc, _ = post(endpoint, [good[0], huge, good[2]], endpoint.keys[Agency.HSI])
    assert status == 413
    assert "index 1" in doc["error"]
    [refused] = doc["refused"]
    assert (refused["index"], refused["event_id"], refused["reason"]) == (
        1, good[1]["event_id"], "too-large")
    assert "at most 100,000" in refused["errors"][0]["message"]
    assert feeds.ids(run) == Counter()


def test_a_batch_posted_again_is_on_its_topic_once(endpoint: Endpoint, watch: Watch) -> None:
    run = uuid.uuid4().hex[:8]
    key = endpoint.keys[Agency.DEA]
    feeds = watch(Agency.DEA)
    batch = events(run, 3, Agency.DEA)
    ids = [e["event_id"] for e in batch]

    status, first, _ = post(endpoint, batch, key)
    assert (status, [a["event_id"] for a in first["accepted"]]) == (200, ids)
    status, again, _ = post(endpoint, batch, key)  # a client's retry after a lost answer
    assert (status, again["accepted"]) == (200, [])
    assert [a["event_id"] for a in again["already_accepted"]] == ids

    # Another ingest process started now reads the topics back: it knows them too, and a
    # batch that adds one event publishes only that one.
    second = endpoint.start()
    status, doc, _ = post(second, [*batch, *events(run + "x", 1, Agency.DEA)], key)
    assert status == 200
    assert [a["event_id"] for a in doc["already_accepted"]] == ids
    assert [a["event_id"] for a in doc["accepted"]] == [f"wl-http-{run}x-0"]
    # ... and the first process sees what the second published, from the topic.
    status, doc, _ = post(endpoint, events(run + "x", 1, Agency.DEA), key)
    assert (status, doc["accepted"], len(doc["already_accepted"])) == (200, [], 1)

    assert feeds.ids(run) == Counter({**dict.fromkeys(ids, 1), f"wl-http-{run}x-0": 1})


def test_a_revoked_key_is_refused_by_the_running_server(endpoint: Endpoint) -> None:
    run = uuid.uuid4().hex[:8]
    key = add_key(endpoint.keys_file, Agency.EPIC)  # added while the server runs
    batch = events(run, 1, Agency.EPIC)
    assert post(endpoint, batch, key)[0] == 200
    listed = fusion_keys(endpoint.keys_file, "list-keys", "EPIC").stdout
    assert hash_key(key)[:12] in listed
    assert key not in listed
    assert hash_key(key) not in listed

    revoked = fusion_keys(endpoint.keys_file, "revoke-key", "EPIC", hash_key(key)[:12])
    assert f"revoked key {hash_key(key)[:12]} of EPIC" in revoked.stdout
    assert oct(endpoint.keys_file.stat().st_mode & 0o777) == "0o600"
    wait_until(lambda: post(endpoint, batch, key)[0] == 401, timeout=10,
               what="the running server refusing the revoked key")
    assert post(endpoint, batch, endpoint.keys[Agency.EPIC])[0] == 200  # the other key works


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
    recent = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)  # within the event-time limits
    batch = [as_json(listing(f"R{n}", entry_id=f"rate-{run}-{n}", agency=Agency.CBP_OFO,
                             at=recent)) for n in range(30)]
    status, doc, _ = post(endpoint, batch, key)
    assert status == 200
    assert len(doc["accepted"]) == 30
    status, doc, headers = post(endpoint, batch, key)
    assert status == 429
    assert int(headers["Retry-After"]) >= 1
    assert "CBP-OFO" in doc["error"]
    # Another agency's bucket is untouched.
    status, _, _ = post(endpoint, [as_json(listing("R0", entry_id=f"rate-{run}-hsi",
                                                   at=recent))], endpoint.keys[Agency.HSI])
    assert status == 200
    metrics = urllib.request.urlopen(f"{endpoint.url}/metrics", timeout=5).read().decode()  # noqa: S310
    assert 'fusion_ingest_requests_total{agency="CBP-OFO",outcome="rate-limited"} 1.0' in metrics

