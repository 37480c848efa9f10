"""``POST /v1/events``: a batch of events from one authenticated agency.

    200 {"accepted": [{"index", "event_id"}], "refused": [{"index", "event_id", "reason",
         "errors": [{"field", "problem", "message"}]}]}
    400 the body is not {"events": [...]}      401 missing or unknown API key
    413 body or batch too large                 429 rate limit (Retry-After: seconds)
    503 the broker did not confirm delivery: nothing in the batch counts as accepted; posting
        it again is safe for the stream apps, which key events by agency and event_id.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fusion.contract import Agency, EventEnvelope
from fusion.errors import FusionError
from producers.ingest.auth import KeyRing, redact
from producers.ingest.metrics import IngestMetrics
from producers.ingest.rate_limit import RateLimiter
from producers.ingest.records import Refusal, check_document
from producers.ingest.settings import IngestSettings

log = logging.getLogger(__name__)


class EventSink(Protocol):
    def publish(self, events: Sequence[EventEnvelope]) -> object: ...


def build_app(*, settings: IngestSettings, keys: KeyRing, sink: EventSink,
              limiter: RateLimiter, metrics: IngestMetrics) -> web.Application:
    app = web.Application(client_max_size=settings.ingest_max_body_bytes)
    ingest = _Ingest(settings, keys, sink, limiter, metrics)
    app.router.add_post("/v1/events", ingest.post_events)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", ingest.get_metrics)
    return app


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _problem(status: int, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


class _Ingest:
    def __init__(self, settings: IngestSettings, keys: KeyRing, sink: EventSink,
                 limiter: RateLimiter, metrics: IngestMetrics) -> None:
        self._settings, self._keys, self._sink = settings, keys, sink
        self._limiter, self._metrics = limiter, metrics

    async def get_metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(self._metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def post_events(self, request: web.Request) -> web.Response:
        agency = self._authenticate(request)
        if agency is None:
            self._metrics.request(None, "unauthorised")
            return _problem(401, "a valid API key is needed: Authorization: Bearer <key>",
                            **{"WWW-Authenticate": "Bearer"})
        items = await self._read_batch(request, agency)
        if isinstance(items, web.Response):
            return items
        wait = self._limiter.admit(agency, len(items))
        if wait:
            self._metrics.request(agency, "rate-limited")
            return _problem(429, f"{agency.value} is over its rate of "
                                 f"{self._settings.ingest_rate:g} events/s; retry in {wait}s",
                            **{"Retry-After": str(wait)})
        return await self._ingest(agency, items)

    def _authenticate(self, request: web.Request) -> Agency | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return None
        agency = self._keys.agency_for(key.strip())
        if agency is None:
            log.warning("refused unknown API key %s from %s", redact(key), request.remote)
        return agency

    async def _read_batch(self, request: web.Request, agency: Agency
                          ) -> list[Any] | web.Response:
        limit = self._settings.ingest_max_body_bytes
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            self._metrics.request(agency, "too-large")
            return _problem(413, f"the body is larger than {limit} bytes")
        try:
            doc = json.loads(body)
        except ValueError as exc:
            self._metrics.request(agency, "bad-request")
            return _problem(400, f"the body is not JSON: {exc}")
        if not isinstance(doc, dict) or not isinstance(doc.get("events"), list):
            self._metrics.request(agency, "bad-request")
            return _problem(400, 'the body must be a JSON object {"events": [...]}')
        items: list[Any] = doc["events"]
        if len(items) > self._settings.ingest_max_batch:
            self._metrics.request(agency, "too-large")
            return _problem(413, f"{len(items)} events in one batch; at most "
                                 f"{self._settings.ingest_max_batch}")
        return items

    async def _ingest(self, agency: Agency, items: list[Any]) -> web.Response:
        accepted: list[dict[str, Any]] = []
        refused: list[dict[str, Any]] = []
        valid: list[EventEnvelope] = []
        for index, item in enumerate(items):
            result = check_document(item, agency=agency)
            if isinstance(result, Refusal):
                refused.append({"index": index, **result.as_json()})
            else:
                valid.append(result)
                accepted.append({"index": index, "event_id": result.event_id})
        if valid:
            try:
                await asyncio.get_running_loop().run_in_executor(None, self._sink.publish, valid)
            except FusionError as exc:
                log.error("batch from %s not delivered: %s", agency.value, exc)
                self._metrics.request(agency, "unavailable")
                return _problem(503, f"the events were not delivered, post them again: {exc}")
        self._metrics.request(agency, "ok")
        self._metrics.events(agency, "accepted", len(accepted))
        self._metrics.events(agency, "refused", len(refused))
        return web.json_response({"accepted": accepted, "refused": refused})
