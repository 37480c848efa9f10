"""``fusion webhooks``: signed webhook delivery for partners without Kafka (Standard
Webhooks): endpoints and their secrets (as the admin), the sender (``run``, as
svc-webhooks), dead letters, replays and the delivery receipts."""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import urllib.parse
from typing import Any

from adapters.kafka.access import kafka_access, receipts_key
from adapters.kafka.webhook_endpoints import (
    Endpoint,
    put_endpoint,
    put_state,
    read_endpoints,
    remove_endpoint,
)
from adapters.kafka.webhook_replays import (
    read_dead_letters,
    read_receipts,
    request_replays,
)
from cli.commands.arguments import agency_argument, since_argument
from fusion.contract.principals import ADMIN
from fusion.contract.topics import WebhookTopics
from fusion.contract.webhooks import (
    EndpointSecret,
    EndpointState,
    ReplayRequest,
    WebhookEndpoint,
    endpoint_id,
)
from fusion.errors import ConfigurationError
from leads.webhooks.receipts import check
from leads.webhooks.signing import SigningSecret, fingerprint, new_secret, rotated
from stream_apps.webhooks.settings import WebhooksSettings

DESCRIPTION = """\
An endpoint belongs to one agency and receives, as signed HTTP POSTs, every lead revision
that reaches leads.<agency> from the moment it is added (dispatch decided who is entitled;
the endpoint gets exactly what the agency's Kafka topic gets). Each POST carries the
Standard Webhooks headers webhook-id (the same on every retry and replay: dedupe on it),
webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA256 of id.timestamp.body>,
one per active secret during a rotation), and the body {"type": "lead.revision",
"timestamp": ..., "data": <Lead>}. Verify with any Standard Webhooks library.

  fusion webhooks add HSI https://hsi.example.gov/leads      prints the secret ONCE
  fusion webhooks list                                       never shows a secret
  fusion webhooks rotate hsi.main [--overlap 86400]          new secret ONCE; both sign
  fusion webhooks disable|enable hsi.main [--reason TEXT]
  fusion webhooks remove hsi.main
  fusion webhooks dead-letters [hsi.main]                    what was given up, and why
  fusion webhooks replay hsi.main [--lead ID] [--since 2d]   deliver dead letters again
  fusion webhooks receipts [--lead ID] [--verify]            delivery receipts, chain check
  fusion webhooks run                                        the sender (svc-webhooks)

Answers: 2xx delivered; 410 disables the endpoint (re-enable with 'enable': queued leads
are kept); 408, 429, 5xx and no answer are retried with backoff (full jitter, Retry-After
honoured, FUSION_WEBHOOKS_RETRY_CAP at most) until FUSION_WEBHOOKS_MAX_ATTEMPTS or
FUSION_WEBHOOKS_MAX_AGE since the lead reached the topic; other 4xx and 3xx are tried
FUSION_WEBHOOKS_CLIENT_ERROR_ATTEMPTS times; redirects are not followed. A delivery given
up goes to webhooks.dlq with its reason, and the sender moves on to the next lead.
Endpoints live on control.webhook-endpoints (only the admin writes it, only svc-webhooks
reads it); these commands run as the admin."""

LOOPBACK_NAMES = {"localhost"}


def register(commands: Any) -> None:
    parser = commands.add_parser("webhooks", help="signed webhook delivery to partners",
                                 description=DESCRIPTION,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add an endpoint; prints its secret once")
    add.add_argument("agency", type=agency_argument, help="agency code, e.g. HSI")
    add.add_argument("url", help="https://... (http only to a loopback address, or with "
                                 "--allow-http)")
    add.add_argument("--name", default="main",
                     help="endpoint name within the agency (default main): id <slug>.<name>")
    add.add_argument("--allow-http", action="store_true",
                     help="allow plain http to a non-loopback host (leads travel unencrypted)")
    actions.add_parser("list", help="every endpoint, its state and its secrets' fingerprints")
    rotate = actions.add_parser("rotate", help="a new secret (printed once); the old one "
                                               "keeps signing during the overlap")
    rotate.add_argument("endpoint", help="endpoint id, e.g. hsi.main")
    rotate.add_argument("--overlap", type=float, default=None,
                        help="seconds the old secret keeps signing "
                             "(default FUSION_WEBHOOKS_ROTATION_OVERLAP, 86400)")
    for name, text in (("enable", "deliver again (queued leads first)"),
                       ("disable", "stop delivering; leads stay queued")):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("endpoint")
        sub.add_argument("--reason", default=f"{name}d by the admin")
    remove = actions.add_parser("remove", help="delete an endpoint and its secrets")
    remove.add_argument("endpoint")
    dead = actions.add_parser("dead-letters", help="deliveries given up, with the reason")
    dead.add_argument("endpoint", nargs="?")
    replay = actions.add_parser("replay", help="deliver an endpoint's dead letters again "
                                               "(same webhook-id: receivers dedupe)")
    replay.add_argument("endpoint")
    replay.add_argument("--lead", help="only this lead id")
    replay.add_argument("--since", type=since_argument,
                        help="only dead letters from then on (2026-12-01T00:00Z, or 2d)")
    receipts = actions.add_parser("receipts", help="delivery receipts (the audit of "
                                                   "webhook deliveries)")
    receipts.add_argument("--lead", help="only this lead id")
    receipts.add_argument("--verify", action="store_true",
                          help="check the receipts' hash chain; exit 1 at a break")
    actions.add_parser("run", help="run the sender (as svc-webhooks); metrics on "
                                   "FUSION_WEBHOOKS_METRICS_PORT (9467)")
    parser.set_defaults(handler=run)


def check_url(url: str, *, allow_http: bool) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigurationError(f"not an http(s) URL with a host: {url!r}")
    if parts.username or parts.password:
        raise ConfigurationError("put no credentials in a webhook URL: the signature "
                                 "authenticates the sender")
    if parts.scheme == "http" and not allow_http and not _loopback(parts.hostname):
        raise ConfigurationError("plain http would carry leads unencrypted: use https, or "
                                 "--allow-http if the network is otherwise protected")
    return url


def _loopback(host: str) -> bool:
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def run(args: argparse.Namespace) -> int:
    settings = WebhooksSettings()
    if args.action == "run":
        from stream_apps.webhooks.service import run_sender  # the sender's imports only here
        return run_sender(settings)
    access = kafka_access(settings, ADMIN)
    topics = settings.topics()
    now = dt.datetime.now(dt.UTC)
    if args.action == "add":
        return _add(args, access, topics, now)
    if args.action in ("dead-letters", "replay"):
        return _dead_letters(args, access, topics, now)
    if args.action == "receipts":
        return _receipts(args, access, topics, settings)
    current = {e.endpoint_id: e for e in read_endpoints(access, topics)}
    if args.action == "list":
        for endpoint in current.values():
            print(_line(endpoint, now))
        return 0
    found = current.get(args.endpoint)
    if found is None:
        known = ", ".join(current) or "none"
        raise ConfigurationError(f"no webhook endpoint {args.endpoint!r} (known: {known})")
    if args.action == "rotate":
        overlap = args.overlap if args.overlap is not None else settings.webhooks_rotation_overlap
        secret = new_secret()
        old = [SigningSecret(s.value, s.created_at, s.expires_at)
               for s in found.endpoint.secrets]
        after = rotated(old, secret, at=now, overlap=dt.timedelta(seconds=overlap))[:4]
        put_endpoint(access, topics, found.endpoint.model_copy(update={"secrets": [
            EndpointSecret(value=s.value, created_at=s.created_at, expires_at=s.expires_at)
            for s in after]}))
        print(f"{found.endpoint_id}: new secret (shown once; the old one signs too until "
              f"{(now + dt.timedelta(seconds=overlap)).isoformat(timespec='seconds')}):")
        print(secret)
    elif args.action in ("enable", "disable"):
        put_state(access, topics, EndpointState(
            endpoint_id=found.endpoint_id, enabled=args.action == "enable",
            reason=args.reason, changed_at=now, changed_by=access.username))
        print(f"{found.endpoint_id}: {args.action}d")
    elif args.action == "remove":
        remove_endpoint(access, topics, found.endpoint_id,
                        group=settings.endpoint_group(found.endpoint_id))
        print(f"{found.endpoint_id}: removed (its dead letters and receipts stay)")
    return 0


def _add(args: argparse.Namespace, access: Any, topics: WebhookTopics, now: dt.datetime) -> int:
    try:
        eid = endpoint_id(args.agency, args.name)
        url = check_url(args.url, allow_http=args.allow_http)
        secret = new_secret()
        endpoint = WebhookEndpoint(endpoint_id=eid, agency=args.agency, url=url,
                                   secrets=[EndpointSecret(value=secret, created_at=now)],
                                   created_at=now)
    except ValueError as exc:  # pydantic's ValidationError is one
        raise ConfigurationError(f"cannot add that endpoint: {exc}") from None
    if any(e.endpoint_id == eid for e in read_endpoints(access, topics)):
        raise ConfigurationError(f"{eid} exists: 'rotate' gives it a new secret, 'remove' "
                                 "deletes it, or add another --name")
    put_endpoint(access, topics, endpoint)
    print(f"{eid}: {args.agency.value} -> {url}")
    print("signing secret (shown once, give it to the receiver; 'rotate' makes a new one):")
    print(secret)
    return 0


def _line(endpoint: Endpoint, now: dt.datetime) -> str:
    e = endpoint.endpoint
    state = "enabled" if endpoint.enabled else "disabled"
    if endpoint.state is not None and not endpoint.enabled:
        state += f" ({endpoint.state.reason}, {endpoint.state.changed_by})"
    keys = " ".join(
        fingerprint(s.value) + (f" (until {s.expires_at.isoformat(timespec='seconds')})"
                                if s.expires_at else "")
        for s in e.secrets if s.expires_at is None or s.expires_at > now)
    return f"{e.endpoint_id:24} {e.agency.value:8} {state:9} {e.url}  secrets: {keys}"


def _dead_letters(args: argparse.Namespace, access: Any, topics: WebhookTopics,
                  now: dt.datetime) -> int:
    letters = [d for d in read_dead_letters(access, topics)
               if args.endpoint in (None, d.endpoint_id)
               and getattr(args, "lead", None) in (None, d.lead_id)
               and (getattr(args, "since", None) is None or d.dead_lettered_at >= args.since)]
    if args.action == "dead-letters":
        for d in letters:
            print(f"{d.dead_lettered_at.isoformat(timespec='seconds')} {d.endpoint_id} "
                  f"{d.lead_id} r{d.revision} {d.webhook_id} {d.reason} after {d.attempts} "
                  f"attempts (last {d.last_status or 'no answer'}): {d.detail}")
        return 0
    latest = {(d.webhook_id): d for d in letters}  # each message once, its latest letter
    request_replays(access, topics, [
        ReplayRequest(requested_at=now, requested_by=access.username, dead_letter=d)
        for d in latest.values()])
    print(f"{len(latest)} dead letter(s) of {args.endpoint} queued for replay "
          f"(the sender delivers them under their original webhook-id)")
    return 0


def _receipts(args: argparse.Namespace, access: Any, topics: WebhookTopics,
              settings: WebhooksSettings) -> int:
    receipts = read_receipts(access, topics)
    if args.verify:
        checked, broken = check(receipts, receipts_key(settings))
        if broken is not None:
            print(f"{topics.receipts}: {checked} receipts fit, then offset {broken.offset} "
                  f"(seq {broken.seq}, lead {broken.lead_id}): {broken.problem}")
            return 1
        print(f"{topics.receipts}: {checked} receipts, chain intact")
        return 0
    for _, r in receipts:
        if r is not None and args.lead in (None, r.lead_id):
            print(f"{r.at.isoformat(timespec='seconds')} {r.endpoint_id} {r.lead_id} "
                  f"r{r.revision} {r.webhook_id} {r.outcome.value} attempts={r.attempts} "
                  f"status={r.status}{' replay' if r.replay else ''}: {r.reason}")
    return 0
