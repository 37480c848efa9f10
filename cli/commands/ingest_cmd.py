"""``fusion ingest``: the HTTP ingest endpoint for partners without Kafka, and its API keys."""

from __future__ import annotations

import argparse
import logging
import time
from typing import Any

from adapters.kafka.access import kafka_access
from fusion.contract import Agency
from fusion.contract.principals import INGEST

log = logging.getLogger(__name__)

SERVE_HELP = """\
POST /v1/events with 'Authorization: Bearer <key>' and a body {"events": [envelope, ...]}.
Every event is validated like the stream validates it and must be of the key's agency; the
valid ones are published and the answer lists each by its index in the batch:

  200 {"accepted": [{"index": 0, "event_id": "..."}],
       "refused": [{"index": 1, "event_id": "..." | null, "reason": "schema-violation",
                    "errors": [{"field": "grading", "problem": "missing", "message": "..."}]}]}
  400 not {"events": [...]}   401 missing or unknown key   413 body or batch too large
  429 over the agency's rate (Retry-After header)   503 broker did not confirm: post again

GET /healthz, GET /metrics (fusion_ingest_requests_total, fusion_ingest_events_total).
Settings: FUSION_INGEST_KEYS_FILE, FUSION_INGEST_RATE (events/s per agency),
FUSION_INGEST_BURST, FUSION_INGEST_MAX_BATCH, FUSION_INGEST_MAX_BODY_BYTES, FUSION_KAFKA_BOOTSTRAP.
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "ingest", help="HTTP ingest endpoint for partners without Kafka, and its API keys",
        description="Serve the HTTP ingest endpoint, or manage the API keys it accepts.")
    sub = parser.add_subparsers(dest="ingest_command", required=True, metavar="ACTION")
    serve = sub.add_parser("serve", help="serve POST /v1/events", description=SERVE_HELP,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    serve.add_argument("--port", type=int, default=8088, help="port to listen on (8088)")
    serve.set_defaults(handler=_serve)
    add_key = sub.add_parser(
        "add-key", help="create an API key for an agency",
        description="Print a new random API key for AGENCY once and store only its SHA-256\n"
                    "hash in FUSION_INGEST_KEYS_FILE (default .run/ingest-keys.json, outside\n"
                    "git). A running server reads the file at start.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_key.add_argument("agency", type=Agency, metavar="AGENCY",
                         help=f"agency code ({', '.join(a.value for a in Agency)})")
    add_key.set_defaults(handler=_add_key)


def _add_key(args: argparse.Namespace) -> int:
    from producers.ingest.auth import add_key
    from producers.ingest.settings import IngestSettings

    path = IngestSettings().keys_file
    key = add_key(path, args.agency)
    print(key)
    log.info("added a key for %s to %s (shown once above; only its hash is stored)",
             args.agency.value, path)
    return 0


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web
    from prometheus_client import CollectorRegistry

    from adapters.kafka.feed_publisher import FeedPublisher
    from producers.ingest.auth import KeyRing
    from producers.ingest.http_app import build_app
    from producers.ingest.metrics import IngestMetrics
    from producers.ingest.rate_limit import RateLimiter
    from producers.ingest.settings import IngestSettings

    settings = IngestSettings()
    keys = KeyRing.load(settings.keys_file)
    publisher = FeedPublisher(kafka_access(settings, INGEST), client_id="fusion-ingest")
    app = build_app(
        settings=settings, keys=keys, sink=publisher,
        limiter=RateLimiter(rate=settings.ingest_rate, burst=settings.ingest_burst,
                            clock=time.monotonic),
        metrics=IngestMetrics(CollectorRegistry()))

    async def close_publisher(_: web.Application) -> None:
        publisher.close()

    app.on_cleanup.append(close_publisher)
    log.info("ingest endpoint on http://%s:%d/v1/events, publishing to %s", args.host,
             args.port, settings.kafka_bootstrap)
    web.run_app(app, host=args.host, port=args.port, print=None)
    return 0
