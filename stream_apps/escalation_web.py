"""The escalation service's web server: ``/metrics``, ``/healthz`` and
``POST /v1/acknowledgements``, where a partner without Kafka acknowledges a lead with the
API key its ingest client uses (``fusion ingest add-key``; ``Authorization: Bearer <key>``):

    POST /v1/acknowledgements  {"lead_id": "L-…", "revision": 2, "actor": "desk-7",
                                "action_id": "optional, a UUID by default", "note": "…"}
    202 {"action_id": "…"}  on triage.actions once the broker has it (a retry with the same
                            action_id is a no-op for the service)
    400 not a JSON object   401 no or an unknown key   413 over 16 KiB
    422 {"errors": [{"field", "problem", "message"}]}   503 the service is not caught up

The agency is the key's: the body cannot name another.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import signal
import uuid
from collections.abc import Callable
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import ValidationError

from adapters.kafka.access import audit_key, kafka_access
from fusion.contract import Agency
from fusion.contract.principals import ESCALATION
from fusion.contract.triage import TriageAction
from stream_apps.escalation_metrics import EscalationMetrics
from stream_apps.escalation_service import EscalationService
from stream_apps.escalation_settings import EscalationSettings

log = logging.getLogger(__name__)
MAX_BODY = 16 * 1024
ALLOWED_FIELDS = frozenset({"lead_id", "revision", "actor", "action_id", "note"})


def escalation_app(service: EscalationService, *, registry: CollectorRegistry,
                   agency_for: Callable[[str], Agency | None],
                   clock: Callable[[], dt.datetime]) -> web.Application:
    async def metrics(_: web.Request) -> web.Response:
        return web.Response(body=generate_latest(registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    async def healthz(_: web.Request) -> web.Response:
        if service.ready and service.problem is None:
            return web.Response(text="ok\n")
        return web.Response(text=f"{service.problem or 'catching up'}\n", status=503)

    async def acknowledge(request: web.Request) -> web.Response:
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        agency = agency_for(key.strip()) if scheme.lower() == "bearer" and key.strip() else None
        if agency is None:
            service.count_http("unauthorised")
            return _problem(401, "a valid API key is needed: Authorization: Bearer <key>",
                            headers={"WWW-Authenticate": "Bearer"})
        if not service.ready:
            return _problem(503, "the escalation service is still catching up; retry")
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return _problem(413, f"an acknowledgement is at most {MAX_BODY} bytes")
        try:
            doc: Any = json.loads(body)
        except ValueError:
            doc = None
        if not isinstance(doc, dict):
            service.count_http("refused")
            return _problem(400, "the body must be a JSON object")
        unknown = sorted(set(doc) - ALLOWED_FIELDS)
        if unknown:
            service.count_http("refused")
            return _errors([{"field": f, "problem": "extra_forbidden",
                             "message": "not a field of an acknowledgement (the agency and "
                                        "kind come from the key and the endpoint)"}
                            for f in unknown])
        try:
            action = TriageAction.model_validate({
                "action_id": str(uuid.uuid4()), **doc, "kind": "acknowledge",
                "agency": agency, "channel": "http", "at": clock()})
        except ValidationError as exc:
            service.count_http("refused")
            return _errors([{"field": ".".join(map(str, e["loc"])), "problem": e["type"],
                             "message": e["msg"]} for e in exc.errors(include_url=False)])
        await service.acknowledge_http(action)
        return web.json_response({"action_id": action.action_id}, status=202)

    app = web.Application(client_max_size=MAX_BODY)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/healthz", healthz)
    app.router.add_post("/v1/acknowledgements", acknowledge)
    return app


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _problem(status: int, message: str, headers: dict[str, str] | None = None
             ) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


def _errors(errors: list[dict[str, str]]) -> web.Response:
    return web.json_response({"errors": errors}, status=422)


async def serve(settings: EscalationSettings, *, agency_for: Callable[[str], Agency | None],
                ready: Callable[[str], None] | None = None) -> None:
    """Run the service and its web server until SIGTERM or SIGINT."""
    registry = CollectorRegistry()
    service = EscalationService(settings, access=kafka_access(settings, ESCALATION),
                                audit_key=audit_key(settings),
                                metrics=EscalationMetrics(registry), clock=utc_now)
    runner = web.AppRunner(escalation_app(service, registry=registry, agency_for=agency_for,
                                          clock=utc_now), access_log=None)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await runner.setup()
    await web.TCPSite(runner, settings.escalation_host, settings.escalation_port).start()
    try:
        await service.start()
        if ready is not None:
            ready(f"http://{settings.escalation_host}:{settings.escalation_port}")
        await service.run(stop)
    finally:
        await service.close()
        await runner.cleanup()
