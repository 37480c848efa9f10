"""``fusion escalation``: acknowledgement deadlines and escalation chains per agency, on the
compacted topic ``control.escalation`` (as the admin), and the escalation service."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import signal
from typing import Any

from pydantic import ValidationError

from adapters.kafka.access import kafka_access
from adapters.kafka.escalation_policies import put_policy, read_policies, remove_policy
from cli.commands.arguments import agency_argument
from fusion.contract import Agency, Priority
from fusion.contract.escalation import (
    DEFAULT_DEADLINES,
    EscalationPolicy,
    EscalationStep,
    default_policy,
)
from fusion.contract.principals import ADMIN
from fusion.contract.topics import ESCALATION_TOPIC
from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings
from rules.language.durations import parse_duration

DESCRIPTION = f"""Every lead an agency is sent must be acknowledged (by the partner on
acks.<slug>, by POST /v1/acknowledgements, or from the dashboard) within its priority's
deadline; if not, the escalation service sends a notice to each step of the agency's chain
in turn, with reminders, on notices.<slug> of the step's agency, and records each on
audit.escalations. Policies live on the compacted topic {ESCALATION_TOPIC}; an agency
without one gets the default:

  deadlines  FLASH 10m, IMMEDIATE 30m, PRIORITY 2h, ROUTINE 8h
  1. duty-desk    the agency itself, at the deadline; 1 reminder half a deadline later
  2. supervisor   the agency itself, one deadline later; 1 reminder
  3. watch-floor  EPIC (the fusion center), two deadlines later; 2 reminders a deadline apart

Examples:
  fusion escalation show                 every agency's chain (own or default)
  fusion escalation set ANAM --deadline FLASH=5m --deadline ROUTINE=4h \\
      --step name=duty-desk,after=1,reminders=2,every=0.25 \\
      --step name=watch-floor,to=EPIC,after=2
  fusion escalation remove ANAM          back to the default chain
  fusion escalation serve                run the service (metrics on :6068/metrics)"""

STEP_HELP = ("a step, in order: name=NAME,after=N[,to=AGENCY][,reminders=K][,every=F]; "
             "it fires N deadlines after the lead was sent (after=1: at the deadline), "
             "to the agency that got the lead unless to= names another (EPIC: the watch "
             "floor), and repeats K times every F deadlines before the next step")

SERVE_HELP = """Run the escalation service until Ctrl-C or SIGTERM: it reads the audit,
triage actions, candidate leads and retractions of the last FUSION_HORIZON seconds (7 days)
and its own audit chain, then fires every notice due (on the wall clock; a restart fires
nothing twice and skips nothing), forwards partners' acknowledgements from acks.<slug> to
triage.actions (refusing, to feeds.dlq, one that names another agency or is not an
acknowledgement), and recalls or corrects withdrawn leads and leads resting on retracted
events, to every earlier recipient (through the dispatcher, on leads.<agency>).

Partners without Kafka acknowledge by HTTP with their ingest API key:
  curl -H 'Authorization: Bearer KEY' -d '{"lead_id": "L-...", "revision": 1,
       "actor": "desk-7"}' http://127.0.0.1:6068/v1/acknowledgements
Settings (FUSION_*): stream_apps/escalation_settings.py; it runs as svc-escalation."""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "escalation", help="acknowledgement deadlines, escalation chains, the service",
        description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topic", default=ESCALATION_TOPIC,
                        help=f"policies topic (default {ESCALATION_TOPIC})")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="every agency's deadlines and chain")
    show.add_argument("agency", type=agency_argument, nargs="?", help="only this agency")
    put = actions.add_parser(
        "set", help="set one agency's deadlines and chain",
        description="Replace AGENCY's policy. Deadlines not given keep the default; at least "
                    "one --step is needed.")
    put.add_argument("agency", type=agency_argument, help="agency code, e.g. HSI")
    put.add_argument("--deadline", action="append", default=[], type=_deadline,
                     metavar="PRIORITY=DURATION",
                     help="e.g. FLASH=10m, ROUTINE=8h (repeat per priority)")
    put.add_argument("--step", action="append", required=True, type=_step, dest="steps",
                     metavar="name=...,after=...", help=STEP_HELP)
    remove = actions.add_parser("remove", help="back to the default chain")
    remove.add_argument("agency", type=agency_argument)
    serve = actions.add_parser("serve", help="run the escalation service",
                               description=SERVE_HELP,
                               formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.set_defaults(handler=_serve)
    parser.set_defaults(handler=run)


def _deadline(text: str) -> tuple[Priority, int]:
    name, _, duration = text.partition("=")
    try:
        priority = Priority(name.strip().upper())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{name!r} is not a priority ({', '.join(p.value for p in Priority)})") from None
    try:
        seconds = int(parse_duration(duration.strip()).total_seconds())
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return priority, seconds


def _step(text: str) -> EscalationStep:
    fields: dict[str, Any] = {}
    for part in text.split(","):
        key, sep, value = part.partition("=")
        key = {"every": "remind_every"}.get(key.strip(), key.strip())
        if not sep or key not in EscalationStep.model_fields:
            raise argparse.ArgumentTypeError(f"{part!r}: expected name=, after=, to=, "
                                             "reminders= or every=")
        fields[key] = value.strip().upper() if key == "to" else value.strip()
    try:
        return EscalationStep.model_validate(fields)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                             for e in exc.errors(include_url=False))
        raise argparse.ArgumentTypeError(f"{text!r}: {problems}") from None


def run(args: argparse.Namespace) -> int:
    access = kafka_access(ConnectionSettings(), ADMIN)
    if args.action == "set":
        try:
            policy = EscalationPolicy(agency=args.agency, steps=args.steps,
                                      deadlines={**DEFAULT_DEADLINES, **dict(args.deadline)})
        except ValidationError as exc:
            problems = "; ".join(e["msg"] for e in exc.errors(include_url=False))
            raise ConfigurationError(f"policy of {args.agency.value} refused: {problems}"
                                     ) from None
        put_policy(access, args.topic, policy)
    elif args.action == "remove":
        remove_policy(access, args.topic, args.agency)
    own = read_policies(access, args.topic)
    agencies = [args.agency] if getattr(args, "agency", None) else list(Agency)
    for agency in agencies:
        print(describe(own.get(agency) or default_policy(agency), own=agency in own))
    return 0


def describe(policy: EscalationPolicy, *, own: bool) -> str:
    lines = [f"{policy.agency.value} ({'own policy' if own else 'default'})",
             "  deadlines: " + ", ".join(f"{p.value} {_human(policy.deadline(p))}"
                                         for p in Priority)]
    flash = policy.deadline(Priority.FLASH)
    for i, step in enumerate(policy.steps, start=1):
        to = (step.to or policy.agency).value
        reminders = (f"; {step.reminders} reminder(s) every {step.remind_every:g} deadline(s)"
                     if step.reminders else "")
        lines.append(f"  {i}. {step.name:12} to {to:8} at {step.after:g} deadline(s) (FLASH: "
                     f"{_human(int(step.after * flash))}){reminders}")
    return "\n".join(lines)


def _human(seconds: int) -> str:
    for unit, size in (("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def _serve(args: argparse.Namespace) -> int:
    from producers.ingest.auth import LiveKeyRing
    from stream_apps.escalation_settings import EscalationSettings
    from stream_apps.escalation_web import serve

    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    settings = EscalationSettings()
    keys = (LiveKeyRing(settings.keys_file, clock=lambda: dt.datetime.now(dt.UTC).timestamp())
            if settings.keys_file.exists() else None)

    def agency_for(key: str) -> Agency | None:
        return keys.agency_for(key) if keys is not None else None

    def ready(url: str) -> None:
        print(f"escalation service caught up; {url}/metrics", flush=True)

    asyncio.run(serve(settings, agency_for=agency_for, ready=ready))
    return 0
