"""``/admin/accounts``: administrators list, add and remove accounts. A new account's
password is generated and shown once on the page that answers the POST; it is never logged.
"""

from __future__ import annotations

import logging

from aiohttp import web
from pydantic import ValidationError

from dashboard.accounts import Account, Role, new_password
from dashboard.web.context import CONTEXT
from dashboard.web.keys import officer
from dashboard.web.login import see_other
from fusion.contract import Agency

log = logging.getLogger(__name__)


def _administrator(request: web.Request) -> Account:
    account = officer(request)
    if not account.role.at_least(Role.ADMINISTRATOR):
        raise web.HTTPForbidden(text="refused: accounts are for administrators")
    return account


async def accounts(request: web.Request) -> web.StreamResponse:
    _administrator(request)
    context = request.app[CONTEXT]
    return context.renderer.page(request, "accounts.html", accounts=sorted(
        context.accounts.all().values(), key=lambda a: (a.agency.value, a.username)),
        agencies=list(Agency), roles=list(Role), created=None, password=None)


async def add_account(request: web.Request) -> web.StreamResponse:
    admin = _administrator(request)
    context = request.app[CONTEXT]
    form = await request.post()
    password = new_password()
    try:
        account = Account(username=str(form.get("username", "")).strip().lower(),
                          agency=str(form.get("agency", "")),
                          role=str(form.get("role", "")),
                          language=str(form.get("language", "en")),
                          time_zone=str(form.get("time_zone", "UTC")).strip() or "UTC",
                          password_hash=context.passwords.hash(password))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}"
                             for e in exc.errors(include_url=False))
        raise web.HTTPBadRequest(text=f"refused: {problems}") from None
    if context.accounts.get(account.username) is not None:
        raise web.HTTPBadRequest(text=f"refused: username: {account.username} exists already")
    context.accounts.add(account)
    log.info("%s added the account %s (%s, %s)", admin.username, account.username,
             account.agency.value, account.role.value)
    return context.renderer.page(request, "accounts.html", accounts=sorted(
        context.accounts.all().values(), key=lambda a: (a.agency.value, a.username)),
        agencies=list(Agency), roles=list(Role), created=account, password=password,
        status=201)


async def remove_account(request: web.Request) -> web.StreamResponse:
    admin = _administrator(request)
    context = request.app[CONTEXT]
    username = request.match_info["username"]
    if username == admin.username:
        raise web.HTTPBadRequest(text="refused: username: you cannot remove yourself")
    if not context.accounts.remove(username):
        raise web.HTTPNotFound(text=f"no account {username[:64]}")
    await context.sessions.close_all(username)
    log.info("%s removed the account %s", admin.username, username)
    return see_other("/admin/accounts")



