"""``fusion dashboard``: the watch officers' web dashboard, and its accounts."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import Any

from cli.commands.arguments import agency_argument

log = logging.getLogger(__name__)

DESCRIPTION = """The watch officers' dashboard: the live queue of leads releasable to each
officer's agency, a lead's explanation, evidence, map and audit trail, triage (acknowledge,
assign, escalate, note, confirm, dismiss; each published on triage.actions), per-rule
precision, in English and Spanish. It reads leads.*, the audit and triage.actions as
svc-dashboard; sessions and login throttles live in Redis. Accounts are a 0600 file of
argon2 hashes (FUSION_DASHBOARD_ACCOUNTS_FILE, default .run/dashboard-accounts.json)."""

EXAMPLES = """examples:
  fusion dashboard add-user maria --agency ANAM --role officer --language es \\
      --time-zone America/Mexico_City        prints maria's generated password once
  fusion dashboard serve                      http://127.0.0.1:8090 (FUSION_DASHBOARD_PORT)
  fusion dashboard set-password maria         a new password, her sessions closed
  fusion dashboard list-users
  fusion dashboard remove-user maria
"""

SERVE_HELP = """Read the lead topics, the audit and the triage actions back from
FUSION_DASHBOARD_HORIZON (7 days), then serve the pages on FUSION_DASHBOARD_HOST:PORT
(127.0.0.1:8090) and /metrics on FUSION_DASHBOARD_METRICS_PORT (9466), following the topics
until Ctrl-C or SIGTERM. Settings: dashboard/settings.py (acknowledgement windows per
priority FUSION_DASHBOARD_ACK_FLASH..._ROUTINE, sessions, login throttling, cookies)."""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "dashboard", help="the watch officers' web dashboard and its accounts",
        description=DESCRIPTION, epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="dashboard_command", required=True, metavar="ACTION")
    serve = sub.add_parser("serve", help="serve the dashboard", description=SERVE_HELP,
                           formatter_class=argparse.RawDescriptionHelpFormatter)
    serve.add_argument("--host", default=None, help="address (FUSION_DASHBOARD_HOST)")
    serve.add_argument("--port", type=int, default=None, help="port (FUSION_DASHBOARD_PORT)")
    serve.set_defaults(handler=_serve)
    add = sub.add_parser("add-user", help="create an account; prints its password once")
    add.add_argument("username", metavar="USERNAME")
    add.add_argument("--agency", type=agency_argument, required=True, metavar="AGENCY")
    add.add_argument("--role", choices=("officer", "supervisor", "administrator"),
                     default="officer")
    add.add_argument("--language", choices=("en", "es"), default="en")
    add.add_argument("--time-zone", default="UTC", metavar="ZONE",
                     help="IANA zone for dates, e.g. America/Denver (UTC)")
    add.set_defaults(handler=_add_user)
    reset = sub.add_parser("set-password",
                           help="give an account a new generated password (printed once)")
    reset.add_argument("username", metavar="USERNAME")
    reset.set_defaults(handler=_set_password)
    remove = sub.add_parser("remove-user", help="remove an account")
    remove.add_argument("username", metavar="USERNAME")
    remove.set_defaults(handler=_remove_user)
    listing = sub.add_parser("list-users", help="accounts: agency, role, language, zone")
    listing.set_defaults(handler=_list_users)


def _settings() -> Any:
    from dashboard.settings import DashboardSettings

    return DashboardSettings()


def _accounts() -> Any:
    from dashboard.accounts import AccountsFile

    return AccountsFile(_settings().accounts_file)


def _serve(args: argparse.Namespace) -> int:
    from dashboard.server import serve

    # main() makes SIGPIPE fatal (for `fusion ... | head`); a server writing to a socket the
    # browser just closed (a live feed left, a page reloaded) must get EPIPE instead.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    settings = _settings()
    updates = {k: v for k, v in (("dashboard_host", args.host), ("dashboard_port", args.port))
               if v is not None}
    settings = settings.model_copy(update=updates)

    def ready(url: str) -> None:
        print(f"dashboard on {url}", flush=True)

    asyncio.run(serve(settings, ready=ready))
    return 0


def _add_user(args: argparse.Namespace) -> int:
    from dashboard.accounts import Account, Passwords, Role, check_time_zone, new_password

    check_time_zone(args.time_zone)
    password = new_password()
    accounts = _accounts()
    accounts.add(Account(username=_username(args.username), agency=args.agency,
                         role=Role(args.role), language=args.language,
                         time_zone=args.time_zone, password_hash=Passwords().hash(password)))
    print(password)
    print(f"(the password of {args.username}, shown once; only its hash is kept in "
          f"{accounts.path})", file=sys.stderr)
    return 0


def _username(text: str) -> str:
    from dashboard.accounts import USERNAME
    from fusion.errors import ConfigurationError

    name = text.strip().lower()
    if not USERNAME.match(name):
        raise ConfigurationError(f"not a user name: {text!r} (2-64 of a-z 0-9 . _ -, "
                                 "starting with a letter or digit)")
    return name


def _set_password(args: argparse.Namespace) -> int:
    from dashboard.accounts import Passwords, new_password
    from fusion.errors import ConfigurationError

    accounts = _accounts()
    account = accounts.get(_username(args.username))
    if account is None:
        raise ConfigurationError(f"no account {args.username!r} in {accounts.path}")
    password = new_password()
    accounts.replace(account.model_copy(update={"password_hash": Passwords().hash(password)}))
    asyncio.run(_close_sessions(account.username))
    print(password)
    return 0


async def _close_sessions(username: str) -> None:
    from adapters.redis.client import connect_redis
    from adapters.redis.dashboard_store import DashboardStore

    settings = _settings()
    store = DashboardStore(await connect_redis(settings), prefix=settings.redis_prefix,
                           where=settings.redis_url)
    try:
        closed = await store.drop_user_sessions(username)
    finally:
        await store.close()
    log.info("closed %d session(s) of %s", closed, username)


def _remove_user(args: argparse.Namespace) -> int:
    accounts = _accounts()
    name = _username(args.username)
    if not accounts.remove(name):
        print(f"no account {name}", file=sys.stderr)
        return 1
    asyncio.run(_close_sessions(name))
    print(f"{name}: removed")
    return 0


def _list_users(args: argparse.Namespace) -> int:
    for account in sorted(_accounts().all().values(), key=lambda a: a.username):
        print(f"{account.username:24} {account.agency.value:8} {account.role.value:14} "
              f"{account.language} {account.time_zone}")
    return 0
