"""``fusion leads list|tail AGENCY``: the leads an agency has received, one line each."""

from __future__ import annotations

import argparse
import collections
import datetime as dt
from typing import Any

from pydantic import ValidationError

from adapters.kafka.access import kafka_access
from adapters.kafka.lead_reader import LeadReader, LeadRecord
from cli.commands.arguments import agency_argument, since_argument
from fusion.contract import Agency, Lead
from fusion.contract.principals import agency_principal
from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings

DEFAULT_LIST_MAX = 200

LINE = """Each line: when the lead record reached the agency's topic, priority, score, lead id,
revision and title (--json: the lead's JSON). The topic keeps leads of earlier runs too:
--since 15m shows only what arrived in the last 15 minutes."""

EXAMPLES = """examples:
  fusion leads list HSI                 what HSI has received (the newest 200), then exit
  fusion leads list HSI --since 10m     only leads that arrived in the last 10 minutes
  fusion leads list HSI --json --max 0  every retained lead, as JSON lines
  fusion leads tail HSI                 print leads as they arrive, until Ctrl-C
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "leads", help="list or follow the leads an agency receives",
        description="Read leads.<agency> without a consumer group, so a partner's committed\n"
                    "offsets never move.\n\n" + LINE,
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser(
        "list", help="print the leads retained on the topic, then exit",
        description="Print the leads retained on leads.<agency> (oldest first), then a\n"
                    "count, and exit.\n\n" + LINE,
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    listing.add_argument("--since", type=since_argument, default=None, metavar="ISO|DURATION",
                         help="only leads that arrived at or after this time: "
                              "2026-11-20T14:00:00Z, or a duration back from now such as 15m, "
                              "2h, 7d (default: everything retained)")
    listing.add_argument("--max", type=int, default=DEFAULT_LIST_MAX, metavar="N",
                         help=f"print the newest N (default {DEFAULT_LIST_MAX}; 0: all)")
    tail = actions.add_parser(
        "tail", help="print leads as they arrive, until Ctrl-C",
        description="Follow leads.<agency>: print each lead as it arrives, until Ctrl-C or\n"
                    "--max leads.\n\n" + LINE,
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    tail.add_argument("--from-beginning", action="store_true",
                      help="print the retained leads first, then follow")
    tail.add_argument("--max", type=int, default=None, metavar="N",
                      help="stop after N leads")
    for sub in (listing, tail):
        sub.add_argument("agency", type=agency_argument, help="agency code, e.g. HSI")
        sub.add_argument("--json", action="store_true", help="print each lead's JSON")
    listing.set_defaults(handler=run_list)
    tail.set_defaults(handler=run_tail)


def run_list(args: argparse.Namespace) -> int:
    if args.max < 0:
        raise ConfigurationError("--max must be 0 (all) or more")
    reader = _reader(args.agency)
    newest: collections.deque[LeadRecord] = collections.deque(maxlen=args.max or None)
    total = 0
    try:
        for record in reader.retained(args.since):
            newest.append(record)
            total += 1
    finally:
        reader.close()
    for record in sorted(newest, key=lambda r: (r.written_at, r.partition, r.offset)):
        print(line(record, as_json=args.json))
    if not args.json:
        print(_summary(reader.topic, total, len(newest), args.since))
    return 0


def _summary(topic: str, total: int, shown: int, since: dt.datetime | None) -> str:
    window = f" since {since:%Y-%m-%dT%H:%M:%SZ}" if since else ""
    if total == 0:
        return f"no leads on {topic}{window}"
    older = f"; {total - shown} older not shown (--max 0 shows all)" if shown < total else ""
    return f"{total} lead record(s) on {topic}{window}{older}"


def run_tail(args: argparse.Namespace) -> int:
    reader = _reader(args.agency)
    shown = 0
    try:
        for record in reader.follow(from_beginning=args.from_beginning):
            print(line(record, as_json=args.json), flush=True)
            shown += 1
            if args.max is not None and shown >= args.max:
                break
    except KeyboardInterrupt:
        pass
    finally:
        reader.close()
    return 0


def _reader(agency: Agency) -> LeadReader:
    """Read as the agency itself: its own credentials, its own topic."""
    return LeadReader(kafka_access(ConnectionSettings(), agency_principal(agency)), agency)


def line(record: LeadRecord, *, as_json: bool) -> str:
    if as_json:
        return record.value.decode(errors="replace")
    try:
        lead = Lead.model_validate_json(record.value)
    except ValidationError as exc:
        return (f"{record.written_at:%Y-%m-%dT%H:%M:%SZ} (undecodable lead at partition "
                f"{record.partition} offset {record.offset}: {exc.error_count()} problems)")
    status = "" if lead.status_reason is None else (
        f" [{lead.status.value.upper()}: {lead.status_reason}]")  # a recall or correction
    return (f"{record.written_at:%Y-%m-%dT%H:%M:%SZ} {lead.priority.value:9} "
            f"{lead.score:5.1f} {lead.lead_id} r{lead.revision} {lead.title}{status}")
