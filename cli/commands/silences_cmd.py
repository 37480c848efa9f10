"""``fusion silences add|list|expire|history``: withhold matching leads from recipients for a
while, on the compacted topic ``control.silences`` (the system of record the dispatcher
checks at every decision), each change chained on ``audit.silences``, as the admin."""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from pydantic import ValidationError

from adapters.kafka.access import audit_key, kafka_access
from adapters.kafka.silences import change_silence, read_changes, read_silences
from cli.commands.arguments import agency_argument, aware_time
from fusion.contract import SILENCE_AUDIT_TOPIC, SILENCES_TOPIC, Port
from fusion.contract.principals import ADMIN
from fusion.contract.silence import Silence, SilenceMatchers
from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings
from leads.silence_chain import check_changes
from leads.silencing import is_active, new_silence_id
from rules.language.durations import parse_duration

DESCRIPTION = """\
A silence withholds leads that match it from the recipients it names, from its start to its
end on the dispatcher's clock. Each withheld copy is on the dissemination audit as
'withheld-silenced', naming the silence: nothing is dropped unseen. After the end, matching
leads go out again (a revision withheld meanwhile stays withheld).

Matchers: every kind given must match; repeat one to list alternatives. At least one of
--rule, --category, --entity or --port is required (a silence on whole agencies would be a
subscription change: use 'fusion subscriptions'). Each change (added, expired) is written
with a chained entry on {audit} in one Kafka transaction; 'history' verifies the chain.

examples:
  fusion silences add --rule watchlist-vehicle-crossing --entity vehicle:US-TX:ABC1234 \\
      --agency ANAM --for 4h --author ana --comment "known undercover vehicle"
  fusion silences list              # active and pending silences (--all: expired too)
  fusion silences expire S-0123456789ab --author ana
  fusion silences history           # every change, chain checked
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "silences", help="withhold matching leads for a while (audited)",
        description=DESCRIPTION.format(audit=SILENCE_AUDIT_TOPIC),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topic", default=SILENCES_TOPIC,
                        help=f"silences topic (default {SILENCES_TOPIC})")
    parser.add_argument("--audit-topic", default=SILENCE_AUDIT_TOPIC,
                        help=f"the changes' chained record (default {SILENCE_AUDIT_TOPIC})")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="add a silence; prints its id")
    add.add_argument("--rule", action="append", default=[], help="rule id that fired")
    add.add_argument("--category", action="append", default=[], help="lead category")
    add.add_argument("--entity", action="append", default=[],
                     help="entity key as leads carry it, e.g. vehicle:US-TX:ABC1234")
    add.add_argument("--port", action="append", default=[], type=Port, metavar="PORT",
                     help="port of entry code, e.g. US-ELP-BOTA")
    add.add_argument("--agency", action="append", default=[], type=agency_argument,
                     help="recipient to withhold from (default: every recipient)")
    add.add_argument("--starts", type=aware_time, help="ISO start time (default: now)")
    end = add.add_mutually_exclusive_group(required=True)
    end.add_argument("--ends", type=aware_time, help="ISO end time")
    end.add_argument("--for", dest="duration", type=parse_duration,
                     help="duration from the start: 30m, 4h, 2d")
    _who(add, comment_required=True)
    listing = actions.add_parser("list", help="silences active or still to start")
    listing.add_argument("--all", action="store_true", help="expired ones too")
    expire = actions.add_parser("expire", help="end a silence now")
    expire.add_argument("silence_id", metavar="ID")
    _who(expire, comment_required=False)
    actions.add_parser("history", help="every change, oldest first; the chain verified")
    parser.set_defaults(handler=run)


def _who(parser: argparse.ArgumentParser, *, comment_required: bool) -> None:
    parser.add_argument("--author", required=True, help="your name, recorded with the change")
    parser.add_argument("--comment", required=comment_required, help="why (kept on the audit)")


def run(args: argparse.Namespace) -> int:
    now = dt.datetime.now(dt.UTC)
    added = _added(args, now) if args.action == "add" else None  # refused before connecting
    settings = ConnectionSettings()
    access = kafka_access(settings, ADMIN)
    if args.action == "history":
        return _history(read_changes(access, args.audit_topic), audit_key(settings))
    if args.action in ("add", "expire"):
        silence = added or _expired(read_silences(access, args.topic), args, now)
        change_silence(access, topic=args.topic, audit_topic=args.audit_topic,
                       silence=silence, action="added" if args.action == "add" else "expired",
                       by=args.author, at=now, audit_key=audit_key(settings))
        print(f"{silence.silence_id} {'added' if args.action == 'add' else 'expired'}")
    for silence in sorted(read_silences(access, args.topic).values(), key=lambda s: s.starts_at):
        if getattr(args, "all", False) or silence.ends_at > now:
            print(_line(silence, now))
    return 0


def _added(args: argparse.Namespace, now: dt.datetime) -> Silence:
    starts = args.starts or now
    try:
        matchers = SilenceMatchers(rules=args.rule, categories=args.category,
                                   entities=args.entity, ports=args.port, agencies=args.agency)
        return Silence(silence_id=new_silence_id(), matchers=matchers, author=args.author,
                       comment=args.comment, created_at=now, starts_at=starts,
                       ends_at=args.ends or starts + args.duration)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'silence'}: {e['msg']}"
                             for e in exc.errors(include_url=False))
        raise ConfigurationError(f"silence refused: {problems}") from exc


def _expired(current: dict[str, Silence], args: argparse.Namespace, now: dt.datetime
             ) -> Silence:
    silence = current.get(args.silence_id)
    if silence is None:
        raise ConfigurationError(f"no silence {args.silence_id} (fusion silences list --all)")
    if silence.ends_at <= now:
        raise ConfigurationError(f"{args.silence_id} ended at {silence.ends_at.isoformat()}")
    comment = f"{silence.comment} [expired by {args.author}: {args.comment or 'no reason'}]"
    return silence.model_copy(update={"ends_at": max(now, silence.starts_at + dt.timedelta(
        microseconds=1)), "comment": comment[:500]})


def _line(silence: Silence, now: dt.datetime) -> str:
    m = silence.matchers
    parts = [f"{name}={','.join(map(str, values))}" for name, values in (
        ("rule", m.rules), ("category", m.categories), ("entity", m.entities),
        ("port", m.ports), ("agency", [a.value for a in m.agencies] or ["all"])) if values]
    state = ("active" if is_active(silence, now) else
             "pending" if silence.starts_at > now else "expired")
    return (f"{silence.silence_id} {state:7} {silence.starts_at.isoformat()} .. "
            f"{silence.ends_at.isoformat()} by {silence.author} {' '.join(parts)}: "
            f"{silence.comment}")


def _history(changes: list[Any], key: bytes) -> int:
    for change in changes:
        if change is not None:
            print(f"{change.seq:5} {change.at.isoformat()} {change.action:7} by {change.by}: "
                  f"{change.silence.silence_id}")
    problem = check_changes(changes, key)
    if problem is not None:
        print(f"CHAIN BROKEN: {problem}")
        return 1
    print(f"{len(changes)} changes, chain intact")
    return 0
