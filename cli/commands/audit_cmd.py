"""``fusion audit verify|show``: the dissemination audit, checked and queried."""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Iterable
from typing import Any

from adapters.kafka.access import audit_key, kafka_access
from adapters.kafka.audit_reader import AuditRecord, read_audit
from cli.commands.arguments import agency_argument, since_argument
from fusion.contract import AUDIT_TOPIC
from fusion.contract.audit import AuditEntry
from fusion.contract.principals import ADMIN
from fusion.errors import ConfigurationError
from fusion.settings import ConnectionSettings
from leads.audit_chain import check_chain

DESCRIPTION = f"""Every dissemination decision (a lead revision sent to an agency, or withheld
and why) is an entry on {AUDIT_TOPIC}: retained for ever, written only by the dispatcher in
the same Kafka transaction as the copies it sent, chained per partition with an HMAC under
the audit key (FUSION_AUDIT_KEY, or audit-key.json in the credentials folder). Runs as
admin."""

EXAMPLES = """examples:
  fusion audit verify                         every chain whole? exit 1 naming the first break
  fusion audit show --lead L-3f9...           who received this lead, which revision, when, why
  fusion audit show --agency ANAM --since 1d  what ANAM received or was denied since yesterday
  fusion audit show --agency HSI --sent       only what was sent
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "audit", help="verify the dissemination audit's chain, or query it",
        description=DESCRIPTION, epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--topic", default=AUDIT_TOPIC, help=f"default {AUDIT_TOPIC}")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("verify", help="check every chain from its first entry")
    show = actions.add_parser("show", help="entries of a lead or an agency")
    show.add_argument("--lead", default=None, metavar="LEAD_ID")
    show.add_argument("--agency", type=agency_argument, default=None)
    show.add_argument("--since", type=since_argument, default=None, metavar="ISO|DURATION",
                      help="entries written at or after (e.g. 2026-11-20T14:00:00Z, 7d)")
    show.add_argument("--sent", action="store_true", help="only decisions that sent a copy")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    settings = ConnectionSettings()
    access = kafka_access(settings, ADMIN)
    if args.action == "verify":
        return _verify(read_audit(access, args.topic), audit_key(settings))
    if args.lead is None and args.agency is None:
        raise ConfigurationError("show needs --lead or --agency (or both)")
    shown = 0
    for record in read_audit(access, args.topic, since=args.since):
        entry = record.entry
        if entry is None or (args.lead and entry.lead_id != args.lead) or (
                args.agency and entry.agency is not args.agency) or (
                args.sent and entry.outcome != "sent"):
            continue
        print(_line(entry))
        shown += 1
    print(f"{shown} entries")
    return 0


def _verify(records: Iterable[AuditRecord], key: bytes) -> int:
    total, breaks = 0, []
    for partition, group in itertools.groupby(records, key=lambda r: r.partition):
        checked, problem = check_chain(partition, ((r.offset, r.entry) for r in group), key)
        total += checked
        if problem is not None:
            breaks.append(problem)
    for problem in breaks:
        print(f"BROKEN {problem}")
    print(f"{total} entries verified" + (f", {len(breaks)} chain(s) broken" if breaks else
                                          ": every chain is whole"))
    return 1 if breaks else 0


def _line(entry: AuditEntry) -> str:
    return (f"{entry.decided_at:%Y-%m-%dT%H:%M:%SZ} {entry.lead_id} r{entry.revision} "
            f"{entry.agency.value:8} {entry.outcome:24} {entry.priority.value:9} "
            f"{entry.tlp.value:12} {entry.reason} [{', '.join(entry.rules)}]")
