"""The ingest endpoint with an in-memory sink: per-record answers, 401, 413, 429, 503."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from fusion.contract import Agency, EventEnvelope
from fusion.errors import PublishError
from producers.ingest.auth import KeyRing, add_key
from producers.ingest.http_app import build_app
from producers.ingest.metrics import IngestMetrics
from producers.ingest.rate_limit import RateLimiter
from producers.ingest.settings import IngestSettings
from tests.factories import as_json, listing


class Sink:
    def __init__(self) -> None:
        self.published: list[EventEnvelope] = []
        self.broken = False

    def publish(self, events: Sequence[EventEnvelope]) -> None:
        if self.broken:
            raise PublishError("broker gone")
        self.published.extend(events)


def _post(tmp_path: Path, requests: list[tuple[str | None, Any]], *, sink: Sink | None = None,
          burst: int = 100) -> tuple[list[tuple[int, Any, dict[str, str]]], Sink, str]:
    keys = tmp_path / "keys.json"
    key = add_key(keys, Agency.HSI)
    settings = IngestSettings(ingest_keys_file=keys, ingest_rate=1, ingest_burst=burst,
                              ingest_max_batch=min(burst, 50), ingest_max_body_bytes=20_000)
    sink = sink or Sink()
    registry = CollectorRegistry()
    app = build_app(settings=settings, keys=KeyRing.load(keys), sink=sink,
                    limiter=RateLimiter(rate=1, burst=burst, clock=lambda: 0.0),
                    metrics=IngestMetrics(registry))

    async def run() -> list[tuple[int, Any, dict[str, str]]]:
        out = []
        async with TestClient(TestServer(app)) as client:
            for auth, body in requests:
                headers = {"Authorization": auth.replace("KEY", key)} if auth else {}
                kw = {"data": body} if isinstance(body, bytes) else {"json": body}
                response = await client.post("/v1/events", headers=headers, **kw)
                doc = await response.json()
                out.append((response.status, doc, dict(response.headers)))
            metrics = await (await client.get("/metrics")).text()
            out.append((200, metrics, {}))
        return out

    return asyncio.run(run()), sink, key


def test_a_mixed_batch_lists_each_record_and_publishes_the_good_ones(tmp_path: Path) -> None:
    good = [as_json(listing(f"G{n}", entry_id=f"G{n}")) for n in range(3)]
    other = as_json(listing("X1", entry_id="X1", agency=Agency.DEA))
    broken = {**good[0], "event_id": "bad id with spaces"}
    batch = {"events": [good[0], other, good[1], broken, "nonsense", good[2]]}
    [(status, doc, _), (_, metrics, _)], sink, _ = _post(tmp_path, [("Bearer KEY", batch)])
    assert status == 200
    assert [(a["index"], a["event_id"]) for a in doc["accepted"]] == [
        (0, "wl-G0"), (2, "wl-G1"), (5, "wl-G2")]
    assert [(r["index"], r["reason"]) for r in doc["refused"]] == [
        (1, "agency-mismatch"), (3, "schema-violation"), (4, "not-an-object")]
    assert doc["refused"][0]["errors"][0]["message"] == "agency HSI may not publish for DEA"
    assert doc["refused"][1]["errors"][0]["field"] == "event_id"
    assert [e.event_id for e in sink.published] == ["wl-G0", "wl-G1", "wl-G2"]
    assert 'fusion_ingest_events_total{agency="HSI",outcome="accepted"} 3.0' in metrics
    assert 'fusion_ingest_events_total{agency="HSI",outcome="refused"} 3.0' in metrics


@pytest.mark.parametrize("auth", [None, "Bearer nope", "Basic KEY", "Bearer "])
def test_a_missing_or_unknown_key_is_401(tmp_path: Path, auth: str | None) -> None:
    [(status, _, headers), _], sink, _ = _post(tmp_path, [(auth, {"events": []})])
    assert status == 401
    assert headers["WWW-Authenticate"] == "Bearer"
    assert not sink.published


def test_too_large_bodies_and_batches_are_413(tmp_path: Path) -> None:
    event = as_json(listing("G1", entry_id="G1"))
    responses, _, _ = _post(tmp_path, [("Bearer KEY", b"x" * 30_000),
                                       ("Bearer KEY", {"events": [event] * 51})])
    assert [r[0] for r in responses[:2]] == [413, 413]


def test_over_the_rate_is_429_with_retry_after(tmp_path: Path) -> None:
    event = as_json(listing("G1", entry_id="G1"))
    responses, sink, _ = _post(tmp_path, [("Bearer KEY", {"events": [event] * 8}),
                                          ("Bearer KEY", {"events": [event] * 5})], burst=10)
    assert [r[0] for r in responses[:2]] == [200, 429]
    assert responses[1][2]["Retry-After"] == "3"
    assert len(sink.published) == 8


@pytest.mark.parametrize("body", [b"not json", {"items": []}, {"events": {}}])
def test_a_body_that_is_no_batch_is_400(tmp_path: Path, body: Any) -> None:
    [(status, doc, _), _], _, _ = _post(tmp_path, [("Bearer KEY", body)])
    assert status == 400
    assert "error" in doc


def test_an_undelivered_batch_is_503_and_accepts_nothing(tmp_path: Path) -> None:
    sink = Sink()
    sink.broken = True
    event = as_json(listing("G1", entry_id="G1"))
    [(status, doc, _), _], _, _ = _post(tmp_path, [("Bearer KEY", {"events": [event]})],
                                        sink=sink)
    assert status == 503
    assert "post them again" in doc["error"]
