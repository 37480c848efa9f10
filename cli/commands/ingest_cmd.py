"""``fusion ingest``: the HTTP ingest endpoint for partners without Kafka, and its API keys."""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import time
from typing import Any

from adapters.kafka.access import kafka_access
from cli.commands.arguments import agency_argument
from fusion.contract.principals import INGEST

log = logging.getLogger(__name__)

SERVE_HELP = """\
POST /v1/events with 'Authorization: Bearer <key>', 'Content-Type: application/json' and a
body {"events": [envelope, ...]}. The batch is judged whole before anything is published:
every event is validated like the stream validates it (the reason codes of feeds.dlq) and
must be of the key's agency. If one is refused, nothing is published; if all pass, those not
yet on their feed topic are published and the broker confirms them before the answer:

  200 {"accepted": [{"index": 0, "event_id": "..."}],
       "already_accepted": [{"index": 1, "event_id": "..."}]}   (on the topic before: a retry)
  422 {"error": "...", "refused": [{"index": 1, "event_id": "..." | null,
       "reason": "schema-violation", "errors": [{"field": "grading", "problem": "missing",
       "message": "..."}]}]}                                       nothing was published
  413 body or batch too large, or events over FUSION_INGEST_MAX_EVENT_BYTES (listed in
      "refused" with reason "too-large")                           nothing was published
  400 not a JSON {"events": [...]}, or nested deeper than FUSION_INGEST_MAX_DEPTH
  401 missing, unknown or revoked key    415 not application/json    429 over the rate
  503 the broker did not answer or confirm: post the same batch again

Posting a batch again is safe: an event (agency, event_id) already on its feed topic within
FUSION_INGEST_DEDUP_HORIZON (1 h) is answered "already_accepted" and not sent again, also
after a restart and across several ingest processes (see producers/README.md for the exact
guarantee). At start the server reads that horizon of the feed topics back before it listens.
Keys added or revoked in the keys file take effect at the next request, no restart.

GET /healthz, GET /metrics (fusion_ingest_requests_total, fusion_ingest_events_total,
fusion_ingest_remembered_events, fusion_ingest_remembered_seconds).
Settings: FUSION_INGEST_KEYS_FILE, FUSION_INGEST_RATE (events/s per agency),
FUSION_INGEST_BURST, FUSION_INGEST_MAX_BATCH, FUSION_INGEST_MAX_BODY_BYTES,
FUSION_INGEST_MAX_EVENT_BYTES, FUSION_INGEST_MAX_DEPTH, FUSION_INGEST_DEDUP_HORIZON,
FUSION_INGEST_DEDUP_CAPACITY, FUSION_INGEST_CATCH_UP_TIMEOUT, FUSION_KAFKA_BOOTSTRAP.
"""

KEYS_FILE_HELP = ("FUSION_INGEST_KEYS_FILE\n(default .run/ingest-keys.json, outside git, "
                  "mode 0600)")


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
    _register_keys(sub)


def _register_keys(sub: Any) -> None:
    add_key = sub.add_parser(
        "add-key", help="create an API key for an agency",
        description=f"Print a new random API key for AGENCY once and store only its SHA-256\n"
                    f"hash in {KEYS_FILE_HELP}.\nA running server accepts it from its next "
                    "request on.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    add_key.add_argument("agency", type=agency_argument, metavar="AGENCY", help="agency code")
    add_key.set_defaults(handler=_add_key)
    revoke = sub.add_parser(
        "revoke-key", help="remove an agency's API key",
        description=f"Remove the key of AGENCY named by KEY from {KEYS_FILE_HELP}.\n"
                    "KEY is its key id (see list-keys), its first 4 characters (what the logs\n"
                    "show of a key), or the key itself. A running server refuses the key (401)\n"
                    "from its next request on, without a restart.",
        epilog="example: fusion ingest revoke-key HSI 3f9a1c2b7d4e",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    revoke.add_argument("agency", type=agency_argument, metavar="AGENCY", help="agency code")
    revoke.add_argument("key", metavar="KEY", help="key id, 4-character key prefix, or the key")
    revoke.set_defaults(handler=_revoke_key)
    listing = sub.add_parser(
        "list-keys", help="list the agencies and key ids of the API keys",
        description=f"One line per key in {KEYS_FILE_HELP}:\nagency, key id, the key's first "
                    "4 characters and when it was added.\nNever a key, never a whole hash.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    listing.add_argument("agency", type=agency_argument, metavar="AGENCY", nargs="?",
                         help="only this agency's keys")
    listing.set_defaults(handler=_list_keys)


def _add_key(args: argparse.Namespace) -> int:
    from producers.ingest.keys_file import add_key
    from producers.ingest.settings import IngestSettings

    path = IngestSettings().keys_file
    key = add_key(path, args.agency, now=dt.datetime.now(dt.UTC))
    print(key)
    log.info("added a key for %s to %s (shown once above; only its hash is stored)",
             args.agency.value, path)
    return 0


def _revoke_key(args: argparse.Namespace) -> int:
    from producers.ingest.keys_file import revoke_key
    from producers.ingest.settings import IngestSettings

    path = IngestSettings().keys_file
    gone = revoke_key(path, args.agency, args.key)
    print(f"revoked key {gone.key_id} of {gone.agency.value} "
          f"(prefix {gone.prefix or 'unknown'}) in {path}")
    return 0


def _list_keys(args: argparse.Namespace) -> int:
    from producers.ingest.keys_file import StoredKey, read_keys_file
    from producers.ingest.settings import IngestSettings

    keys = [k for k in read_keys_file(IngestSettings().keys_file)
            if args.agency is None or k.agency is args.agency]
    print(f"{'AGENCY':<9} {'KEY ID':<13} {'PREFIX':<7} ADDED")
    def added(key: StoredKey) -> str:
        return key.added_at.isoformat(timespec="seconds") if key.added_at else "-"

    for key in sorted(keys, key=lambda k: (k.agency.value, added(k))):
        print(f"{key.agency.value:<9} {key.key_id:<13} {key.prefix or '-':<7} {added(key)}")
    return 0


def _serve(args: argparse.Namespace) -> int:
    from aiohttp import web
    from prometheus_client import CollectorRegistry

    from adapters.kafka.feed_ledger import FeedLedger
    from adapters.kafka.feed_publisher import FeedPublisher
    from fusion.contract import feed_topics
    from producers.ingest.accepted import AcceptedEvents
    from producers.ingest.auth import LiveKeyRing
    from producers.ingest.http_app import build_app
    from producers.ingest.metrics import IngestMetrics
    from producers.ingest.once import PublishOnce
    from producers.ingest.rate_limit import RateLimiter
    from producers.ingest.settings import IngestSettings

    settings = IngestSettings()
    keys = LiveKeyRing(settings.keys_file, clock=time.monotonic)
    accepted = AcceptedEvents(horizon=settings.ingest_dedup_horizon,
                              capacity=settings.ingest_dedup_capacity, clock=time.time)
    access = kafka_access(settings, INGEST)
    ledger = FeedLedger(access, topics=feed_topics(),
                        remember=accepted.remember)
    started = time.monotonic()
    read = ledger.start(time.time() - settings.ingest_dedup_horizon,
                        timeout=settings.ingest_start_timeout)
    log.info("read %d records of the last %gs on the feed topics in %.1fs: %d events "
             "remembered", read, settings.ingest_dedup_horizon, time.monotonic() - started,
             len(accepted))
    publisher = FeedPublisher(access, client_id="fusion-ingest")
    metrics = IngestMetrics(CollectorRegistry())
    metrics.watch(accepted)
    app = build_app(
        settings=settings, keys=keys,
        publisher=PublishOnce(sink=publisher, ledger=ledger, accepted=accepted, clock=time.time,
                              catch_up_timeout=settings.ingest_catch_up_timeout),
        limiter=RateLimiter(rate=settings.ingest_rate, burst=settings.ingest_burst,
                            clock=time.monotonic),
        metrics=metrics)

    async def close_clients(_: web.Application) -> None:
        publisher.close()
        ledger.close()

    app.on_cleanup.append(close_clients)
    log.info("ingest endpoint on http://%s:%d/v1/events, publishing to %s", args.host,
             args.port, settings.kafka_bootstrap)
    web.run_app(app, host=args.host, port=args.port, print=None)
    return 0
