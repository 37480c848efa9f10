"""``POST /v1/events``: a batch of events from one authenticated agency, judged whole and
published once.

    200 {"accepted": [{"index", "event_id"}], "already_accepted": [{"index", "event_id"}]}
        every event is on its feed topic, confirmed by the broker; "already_accepted" ones
        were there before (a batch posted again) and were not published again
    400 the body is no JSON {"events": [...]}, or nests too deeply   401 missing or unknown key
    413 body or batch too large, or events too large (listed in "refused")
    415 not Content-Type: application/json                      429 over the rate (Retry-After)
    422 {"error", "refused": [{"index", "event_id", "reason", "errors": [{"field", "problem",
        "message"}]}]}: the events listed are refused, nothing of the batch was published
    503 the broker did not answer or confirm: post the same batch again (nothing is sent twice)
Every 4xx and 503 answer is {"error": "..."} (plus "refused" for 413 and 422).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any, Protocol

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from fusion.contract import Agency, EventEnvelope
from fusion.errors import FusionError
from producers.ingest.auth import redact
from producers.ingest.batch import BatchVerdict, check_batch
from producers.ingest.body import BodyProblem, parse_batch
from producers.ingest.metrics import IngestMetrics
from producers.ingest.once import PublishOnce
from producers.ingest.rate_limit import RateLimiter
from producers.ingest.settings import IngestSettings

log = logging.getLogger(__name__)


class Keys(Protocol):
    def agency_for(self, key: str) -> Agency | None: ...


def build_app(*, settings: IngestSettings, keys: Keys, publisher: PublishOnce,
              limiter: RateLimiter, metrics: IngestMetrics,
              clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
              ) -> web.Application:
    """``clock``: what an event's time is judged against (``check_event_time``)."""
    app = web.Application(client_max_size=settings.ingest_max_body_bytes)
    ingest = _Ingest(settings, keys, publisher, limiter, metrics, clock)
    app.router.add_post("/v1/events", ingest.post_events)
    app.router.add_get("/healthz", _healthz)
    app.router.add_get("/metrics", ingest.get_metrics)
    return app


async def _healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def _problem(status: int, message: str, *, refused: list[dict[str, Any]] | None = None,
             headers: dict[str, str] | None = None) -> web.Response:
    doc: dict[str, Any] = {"error": message}
    if refused is not None:
        doc["refused"] = refused
    return web.json_response(doc, status=status, headers=headers)


def _listed(events: list[tuple[int, EventEnvelope]]) -> list[dict[str, Any]]:
    return [{"index": index, "event_id": event.event_id} for index, event in events]


class _Ingest:
    def __init__(self, settings: IngestSettings, keys: Keys, publisher: PublishOnce,
                 limiter: RateLimiter, metrics: IngestMetrics,
                 clock: Callable[[], dt.datetime]) -> None:
        self._settings, self._keys, self._publisher = settings, keys, publisher
        self._limiter, self._metrics, self._clock = limiter, metrics, clock
        # One batch per agency at a time: two requests carrying the same event (a retry
        # while the first is still waiting for the broker) cannot both find it new.
        self._agency_locks: defaultdict[Agency, asyncio.Lock] = defaultdict(asyncio.Lock)

    async def get_metrics(self, request: web.Request) -> web.Response:
        body = generate_latest(self._metrics.registry)
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def post_events(self, request: web.Request) -> web.Response:
        agency = self._authenticate(request)
        if agency is None:
            self._metrics.request(None, "unauthorised")
            return _problem(401, "a valid API key is needed: Authorization: Bearer <key>",
                            headers={"WWW-Authenticate": "Bearer"})
        items = await self._read_batch(request, agency)
        if isinstance(items, web.Response):
            return items
        wait = self._limiter.admit(agency, len(items))
        if wait:
            self._metrics.request(agency, "rate-limited")
            return _problem(429, f"{agency.value} is over its rate of "
                                 f"{self._settings.ingest_rate:g} events/s; retry in {wait}s",
                            headers={"Retry-After": str(wait)})
        verdict = check_batch(items, agency=agency,
                              max_event_bytes=self._settings.ingest_max_event_bytes,
                              now=self._clock(),
                              time_limits=self._settings.event_time_limits)
        if not verdict.clean:
            return self._refuse(agency, verdict, len(items))
        return await self._publish(agency, verdict.events)

    def _authenticate(self, request: web.Request) -> Agency | None:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return None
        agency = self._keys.agency_for(key.strip())
        if agency is None:
            log.warning("refused unknown API key %s from %s", redact(key.strip()),
                        request.remote)
        return agency

    async def _read_batch(self, request: web.Request, agency: Agency
                          ) -> list[Any] | web.Response:
        charset = (request.charset or "utf-8").lower()
        if request.content_type != "application/json" or charset not in ("utf-8", "utf8"):
            self._metrics.request(agency, "bad-request")
            return _problem(415, f"the body must be Content-Type: application/json (UTF-8), "
                                 f"not {request.headers.get('Content-Type', 'none')!r}")
        limit = self._settings.ingest_max_body_bytes
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            self._metrics.request(agency, "too-large")
            return _problem(413, f"the body is larger than {limit:,} bytes; post fewer events "
                                 "per batch")
        parsed = parse_batch(body, max_depth=self._settings.ingest_max_depth,
                             max_batch=self._settings.ingest_max_batch)
        if isinstance(parsed, BodyProblem):
            self._metrics.request(agency, "too-large" if parsed.status == 413 else "bad-request")
            return _problem(parsed.status, parsed.message)
        return parsed

    def _refuse(self, agency: Agency, verdict: BatchVerdict, total: int) -> web.Response:
        if verdict.too_large:
            self._metrics.request(agency, "too-large")
            self._metrics.events(agency, "refused", len(verdict.too_large))
            indices = ", ".join(str(r.index) for r in verdict.too_large)
            return _problem(
                413, f"{len(verdict.too_large)} of {total} events are larger than "
                     f"{self._settings.ingest_max_event_bytes:,} bytes (index {indices}); "
                     "nothing of the batch was published",
                refused=[r.as_json() for r in verdict.too_large])
        self._metrics.request(agency, "refused")
        self._metrics.events(agency, "refused", len(verdict.refused))
        return _problem(
            422, f"{len(verdict.refused)} of {total} events are refused (listed with their "
                 "reasons); nothing of the batch was published: correct or leave out those "
                 "events and post the batch again",
            refused=[r.as_json() for r in verdict.refused])

    async def _publish(self, agency: Agency, events: list[tuple[int, EventEnvelope]]
                       ) -> web.Response:
        loop = asyncio.get_running_loop()
        try:
            async with self._agency_locks[agency]:
                published = await loop.run_in_executor(
                    None, self._publisher.publish, agency, events)
        except FusionError as exc:
            log.error("batch from %s not published: %s", agency.value, exc)
            self._metrics.request(agency, "unavailable")
            return _problem(503, f"the events were not all confirmed by the broker; post the "
                                 f"same batch again (nothing is published twice): {exc}",
                            headers={"Retry-After": "5"})
        self._metrics.request(agency, "ok")
        self._metrics.events(agency, "accepted", len(published.new))
        self._metrics.events(agency, "already-accepted", len(published.already))
        return web.json_response({"accepted": _listed(published.new),
                                  "already_accepted": _listed(published.already)})
