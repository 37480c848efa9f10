"""The ingest endpoint with an in-memory sink and ledger: a batch judged whole (422 lists
every refused event, nothing published), 4xx for every malformed body, published once when
posted twice, 401 for a revoked key at the next request, 429, 503."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from fusion.contract import Agency, EventEnvelope
from fusion.errors import PublishError
from producers.ingest.accepted import AcceptedEvents
from producers.ingest.auth import LiveKeyRing
from producers.ingest.http_app import build_app
from producers.ingest.keys_file import add_key, revoke_key
from producers.ingest.metrics import IngestMetrics
from producers.ingest.once import PublishOnce, agency_topics
from producers.ingest.rate_limit import RateLimiter
from producers.ingest.settings import IngestSettings
from tests.factories import T0, as_json, listing

NOW = dt.datetime(2026, 12, 3, 12, 0, tzinfo=dt.UTC)


class Sink:
    def __init__(self) -> None:
        self.published: list[EventEnvelope] = []
        self.broken = False

    def publish(self, events: Sequence[EventEnvelope]) -> None:
        if self.broken:
            raise PublishError("broker gone")
        self.published.extend(events)


class Ledger:
    def __init__(self) -> None:
        self.caught_up: list[list[str]] = []

    def catch_up(self, topics: Iterable[str], *, timeout: float) -> None:
        self.caught_up.append(list(topics))


@dataclass
class Endpoint:
    client: TestClient[Any, Any]
    loop: asyncio.AbstractEventLoop
    keys_file: Path
    key: str
    sink: Sink
    ledger: Ledger
    accepted: AcceptedEvents
    clock: list[float] = field(default_factory=lambda: [0.0])

    def post(self, body: Any, *, auth: str | None = "Bearer KEY",
             content_type: str | None = "application/json") -> tuple[int, Any, dict[str, str]]:
        headers = {"Authorization": auth.replace("KEY", self.key)} if auth else {}
        if content_type is not None:
            headers["Content-Type"] = content_type
        data = body if isinstance(body, bytes) else json.dumps(body).encode()

        async def run() -> tuple[int, Any, dict[str, str]]:
            response = await self.client.post("/v1/events", headers=headers, data=data)
            text = await response.text()
            return response.status, json.loads(text), dict(response.headers)

        return self.loop.run_until_complete(run())

    def metrics(self) -> str:
        async def run() -> str:
            return await (await self.client.get("/metrics")).text()

        return self.loop.run_until_complete(run())


def make_endpoint(tmp_path: Path, *, burst: int = 100) -> Iterator[Endpoint]:
    keys_file = tmp_path / "keys.json"
    key = add_key(keys_file, Agency.HSI, now=NOW)
    settings = IngestSettings(ingest_keys_file=keys_file, ingest_rate=1, ingest_burst=burst,
                              ingest_max_batch=min(burst, 50), ingest_max_body_bytes=20_000,
                              ingest_max_event_bytes=4_000, ingest_max_depth=12)
    sink, ledger = Sink(), Ledger()
    accepted = AcceptedEvents(horizon=3600, capacity=1000, clock=lambda: 1e9)
    clock = [0.0]
    app = build_app(
        settings=settings, keys=LiveKeyRing(keys_file, clock=lambda: clock[0]),
        publisher=PublishOnce(sink=sink, ledger=ledger, accepted=accepted, clock=lambda: 1e9,
                              catch_up_timeout=1),
        limiter=RateLimiter(rate=1, burst=burst, clock=lambda: 0.0),
        metrics=IngestMetrics(CollectorRegistry()),
        clock=lambda: T0)  # the factories' events are from T0: judged by T0's clock
    async def start() -> TestClient[Any, Any]:
        client: TestClient[Any, Any] = TestClient(TestServer(app))
        await client.start_server()
        return client

    loop = asyncio.new_event_loop()
    client = loop.run_until_complete(start())
    try:
        yield Endpoint(client, loop, keys_file, key, sink, ledger, accepted, clock)
    finally:
        loop.run_until_complete(client.close())
        loop.close()


@pytest.fixture
def endpoint(tmp_path: Path) -> Iterator[Endpoint]:
    yield from make_endpoint(tmp_path)


def good(n: int, **kw: Any) -> dict[str, Any]:
    return as_json(listing(f"G{n}", entry_id=f"G{n}", **kw))


def test_a_clean_batch_is_published_and_listed(endpoint: Endpoint) -> None:
    status, doc, _ = endpoint.post({"events": [good(0), good(1)]})
    assert status == 200
    assert doc == {"accepted": [{"index": 0, "event_id": "wl-G0"},
                                {"index": 1, "event_id": "wl-G1"}], "already_accepted": []}
    assert [e.event_id for e in endpoint.sink.published] == ["wl-G0", "wl-G1"]
    assert endpoint.ledger.caught_up == [agency_topics(Agency.HSI)]


def test_a_mixed_batch_lists_every_refusal_and_publishes_nothing(endpoint: Endpoint) -> None:
    other = as_json(listing("X1", entry_id="X1", agency=Agency.DEA))
    broken = {**good(0), "event_id": "bad id with spaces"}
    batch = {"events": [good(0), other, good(1), broken, "nonsense", good(2)]}
    status, doc, _ = endpoint.post(batch)
    assert status == 422
    assert "nothing of the batch was published" in doc["error"]
    assert [(r["index"], r["reason"]) for r in doc["refused"]] == [
        (1, "agency-mismatch"), (3, "schema-violation"), (4, "not-an-object")]
    assert doc["refused"][0]["errors"][0]["message"] == "agency HSI may not publish for DEA"
    assert doc["refused"][1]["errors"][0]["field"] == "event_id"
    assert endpoint.sink.published == []
    assert 'fusion_ingest_events_total{agency="HSI",outcome="refused"} 3.0' in endpoint.metrics()


def test_an_event_id_twice_in_one_batch_is_refused_naming_both(endpoint: Endpoint) -> None:
    status, doc, _ = endpoint.post({"events": [good(0), good(1), good(0, reason="other")]})
    assert status == 422
    [refused] = doc["refused"]
    assert (refused["index"], refused["reason"]) == (2, "repeated-in-batch")
    assert "index 0" in refused["errors"][0]["message"]
    assert endpoint.sink.published == []


def test_a_batch_posted_twice_is_published_once(endpoint: Endpoint) -> None:
    first = endpoint.post({"events": [good(0), good(1)]})
    again = endpoint.post({"events": [good(0), good(2), good(1)]})
    assert first[0] == again[0] == 200
    assert again[1] == {"accepted": [{"index": 1, "event_id": "wl-G2"}],
                        "already_accepted": [{"index": 0, "event_id": "wl-G0"},
                                             {"index": 2, "event_id": "wl-G1"}]}
    assert [e.event_id for e in endpoint.sink.published] == ["wl-G0", "wl-G1", "wl-G2"]
    assert ('fusion_ingest_events_total{agency="HSI",outcome="already-accepted"} 2.0'
            in endpoint.metrics())


def test_events_the_ledger_found_on_the_topics_are_not_published(endpoint: Endpoint) -> None:
    endpoint.accepted.remember([("HSI/wl-G0", 1e9 - 60)])  # e.g. by another ingest process
    status, doc, _ = endpoint.post({"events": [good(0), good(1)]})
    assert status == 200
    assert [a["index"] for a in doc["already_accepted"]] == [0]
    assert [e.event_id for e in endpoint.sink.published] == ["wl-G1"]


def test_an_undelivered_batch_is_503_and_its_retry_publishes_it(endpoint: Endpoint) -> None:
    endpoint.sink.broken = True
    status, doc, headers = endpoint.post({"events": [good(0)]})
    assert status == 503
    assert "post the same batch again" in doc["error"]
    assert headers["Retry-After"] == "5"
    endpoint.sink.broken = False
    status, doc, _ = endpoint.post({"events": [good(0)]})
    assert (status, [a["event_id"] for a in doc["accepted"]]) == (200, ["wl-G0"])


@pytest.mark.parametrize(("body", "content_type", "status", "says"), [
    (b"not json", "application/json", 400, "not JSON"),
    (b"", "application/json", 400, "not JSON"),
    (b"\xff\xfe{", "application/json", 400, "not JSON"),
    (b'{"events": [1' + b"0" * 5000 + b"]}", "application/json", 400, "not JSON"),
    ({"items": []}, "application/json", 400, '{"events": [...]}'),
    ({"events": {}}, "application/json", 400, '{"events": [...]}'),
    ([{"events": []}], "application/json", 400, '{"events": [...]}'),
    (b'{"events": ' + b"[" * 50_00 + b"]" * 50_00 + b"}", "application/json", 400, "nest"),
    (b"[" * 9_000 + b"]" * 9_000, "application/json", 400, "nest"),
    ({"events": [{"a": [[[[[[[[[[[[1]]]]]]]]]]]]}]}, "application/json", 400,
     "$.events[0].a[0][0]"),
    (b"x" * 30_000, "application/json", 413, "larger than 20,000 bytes"),
    ({"events": [{}] * 51}, "application/json", 413, "at most 50"),
    ({"events": []}, "text/plain", 415, "application/json"),
    ({"events": []}, None, 415, "application/json"),
    ({"events": []}, "application/json; charset=latin-1", 415, "UTF-8"),
])
def test_a_malformed_body_is_a_4xx_naming_the_problem(
        endpoint: Endpoint, body: Any, content_type: str | None, status: int, says: str) -> None:
    answer, doc, _ = endpoint.post(body, content_type=content_type)
    assert (answer, says in doc["error"]) == (status, True), doc
    assert endpoint.sink.published == []


def test_charset_utf8_is_accepted(endpoint: Endpoint) -> None:
    assert endpoint.post({"events": [good(0)]},
                         content_type="application/json; charset=UTF-8")[0] == 200


def test_an_oversize_event_is_413_naming_its_index(endpoint: Endpoint) -> None:
    huge = {**good(1), "attributes": {**good(1)["attributes"], "reason": "x" * 5_000}}
    status, doc, _ = endpoint.post({"events": [good(0), huge, good(2)]})
    assert status == 413
    assert "index 1" in doc["error"]
    [refused] = doc["refused"]
    assert (refused["index"], refused["event_id"], refused["reason"]) == (1, "wl-G1", "too-large")
    assert "at most 4,000" in refused["errors"][0]["message"]
    assert endpoint.sink.published == []


@pytest.mark.parametrize("auth", [None, "Bearer nope", "Basic KEY", "Bearer "])
def test_a_missing_or_unknown_key_is_401(endpoint: Endpoint, auth: str | None) -> None:
    status, _, headers = endpoint.post({"events": [good(0)]}, auth=auth)
    assert status == 401
    assert headers["WWW-Authenticate"] == "Bearer"
    assert not endpoint.sink.published


def test_a_revoked_key_is_refused_at_the_next_request(endpoint: Endpoint) -> None:
    second = add_key(endpoint.keys_file, Agency.HSI, now=NOW)
    assert endpoint.post({"events": [good(0)]}, auth=f"Bearer {second}")[0] == 200  # added live
    revoke_key(endpoint.keys_file, Agency.HSI, endpoint.key[:4])
    assert endpoint.post({"events": [good(1)]})[0] == 401
    assert endpoint.post({"events": [good(1)]}, auth=f"Bearer {second}")[0] == 200


def test_over_the_rate_is_429_with_retry_after(tmp_path: Path) -> None:
    for endpoint in make_endpoint(tmp_path, burst=10):
        first = endpoint.post({"events": [good(n) for n in range(8)]})
        second = endpoint.post({"events": [good(n) for n in range(8, 13)]})
        assert (first[0], second[0]) == (200, 429)
        assert second[2]["Retry-After"] == "3"
        assert len(endpoint.sink.published) == 8
