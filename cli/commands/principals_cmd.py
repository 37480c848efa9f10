"""``fusion principals``: who may connect to the broker, and how a partner connects."""

from __future__ import annotations

import argparse
import textwrap
from typing import Any

from adapters.kafka.access import PROTOCOL, credentials_dir, kafka_access
from adapters.kafka.principals import PrincipalAdmin
from cli.commands.arguments import agency_argument
from fusion.contract import Agency, lead_topic
from fusion.contract.principals import (
    ADMIN,
    SERVICES,
    SUPER_USERS,
    Grant,
    agency_group_prefix,
    agency_principal,
    all_principals,
    grants,
)
from fusion.settings import ConnectionSettings

DESCRIPTION = """Every client authenticates to the broker (SASL SCRAM-SHA-512) as one principal:
an agency (agency-<slug>) or a service (svc-worker, svc-ingest, svc-simulator,
svc-dashboard), and ACLs give each only its own topics (fusion/contract/principals.py).
Passwords are generated, kept in FUSION_CREDENTIALS_DIR (default .run/credentials, mode
0600) and never printed unless asked (show --reveal). These commands run as admin."""

EXAMPLES = """examples:
  fusion principals sync --all-agencies   what make up runs: services, agencies, ACLs
  fusion principals list                  who has credentials, on the broker and here
  fusion principals show HSI              how HSI's client connects, what it may read
  fusion principals show HSI --reveal     ... with the password, to hand over securely
  fusion principals rotate HSI            a new password for HSI (the old one stops working)
  fusion principals revoke HSI            HSI can no longer connect; 'add HSI' undoes it
"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "principals", help="broker identities: agencies and services, their credentials",
        description=DESCRIPTION, epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    sync = actions.add_parser("sync", help="credentials for every service, and the ACLs")
    sync.add_argument("--all-agencies", action="store_true",
                      help="also give every agency of the contract credentials (a local "
                           "stack; elsewhere add agencies one by one)")
    actions.add_parser("list", help="principals with credentials")
    for name, text in (("add", "give an agency credentials (again, after a revocation)"),
                       ("rotate", "replace a principal's password"),
                       ("revoke", "delete a principal's credentials"),
                       ("show", "connection settings and permissions of a principal")):
        sub = actions.add_parser(name, help=text)
        sub.add_argument("principal", type=_principal,
                         help="an agency code (HSI) or a principal name (svc-ingest)")
        if name == "show":
            sub.add_argument("--reveal", action="store_true",
                             help="print the password too (hand it over securely)")
    parser.set_defaults(handler=run)


def _principal(text: str) -> str:
    if text in all_principals():
        return text
    return agency_principal(agency_argument(text))


def run(args: argparse.Namespace) -> int:
    settings = ConnectionSettings()
    directory = credentials_dir(settings)
    if args.action == "show":
        print(_show(settings, args.principal, reveal=args.reveal))
        return 0
    admin = PrincipalAdmin(kafka_access(settings, ADMIN), directory)
    try:
        if args.action == "sync":
            report = admin.sync(agencies=args.all_agencies)
            print(f"principals: {len(report.created)} created, {len(report.restored)} "
                  f"restored on the broker; ACLs: {report.acls_created} created, "
                  f"{report.acls_deleted} removed; credentials in {directory}")
        elif args.action == "list":
            on_broker = admin.on_broker()
            for principal in all_principals():
                state = "revoked" if admin.revoked(principal) else (
                    "active" if principal in on_broker else "none")
                local = "file" if (directory / f"{principal}.json").exists() else "-"
                print(f"{principal:22} {state:8} {local}")
        elif args.action == "add":
            admin.add(args.principal)
            print(f"{args.principal}: new credentials in {directory}; "
                  f"'fusion principals show {args.principal} --reveal' prints them")
        elif args.action == "rotate":
            admin.rotate(args.principal)
            print(f"{args.principal}: new password in {directory}; connections opened with "
                  "the old one keep working until they reconnect")
        elif args.action == "revoke":
            had = admin.revoke(args.principal)
            print(f"{args.principal}: revoked" + ("" if had else " (it had no credentials)"))
    finally:
        admin.close()
    return 0


def _show(settings: ConnectionSettings, principal: str, *, reveal: bool) -> str:
    access = kafka_access(settings.model_copy(update={"kafka_username": None}), principal)
    password = access.password if reveal else f"<in {credentials_dir(settings)}/{principal}.json>"
    mine = [g for g in grants() if g.principal == principal]
    lines = [f"principal   {principal}",
             f"bootstrap   {access.bootstrap}",
             f"security    {PROTOCOL}, SASL mechanism {access.mechanism}",
             f"username    {access.username}",
             f"password    {password}",
             "may:", *(f"  {_grant_line(g)}" for g in _merged(mine))]
    if principal in SUPER_USERS:
        lines.append("  everything (super user)")
    agency = next((a for a in Agency if agency_principal(a) == principal), None)
    if agency is not None:
        lines += ["", f"consumer groups must start with {agency_group_prefix(agency)!r}", ""]
        lines += textwrap.dedent(f"""\
            librdkafka / confluent-kafka / kcat (librdkafka >= 2.3) configuration:
              bootstrap.servers={access.bootstrap}
              security.protocol={PROTOCOL}
              sasl.mechanism={access.mechanism}
              sasl.username={access.username}
              sasl.password={password}
              group.id={agency_group_prefix(agency)}-desk
            then read topic {lead_topic(agency)}.""").splitlines()
    elif principal in SERVICES:
        lines += ["", f"services read it from {credentials_dir(settings)} or "
                      "FUSION_KAFKA_USERNAME / FUSION_KAFKA_PASSWORD"]
    return "\n".join(lines)


def _merged(mine: list[Grant]) -> list[tuple[str, str, bool, list[str]]]:
    by_resource: dict[tuple[str, str, bool], list[str]] = {}
    for g in mine:
        by_resource.setdefault((g.resource.value, g.name, g.prefixed), []).append(
            g.operation.value)
    return [(*key, ops) for key, ops in sorted(by_resource.items())]


def _grant_line(entry: tuple[str, str, bool, list[str]]) -> str:
    resource, name, prefixed, operations = entry
    target = f"{name}*" if prefixed else name
    return f"{', '.join(operations):32} {resource} {target}"

