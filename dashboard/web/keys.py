"""What the middlewares put on a request, typed."""

from __future__ import annotations

from aiohttp import web

from dashboard.accounts import Account
from dashboard.web.auth import Session

SESSION: web.RequestKey[Session | None] = web.RequestKey("session")
ACCOUNT: web.RequestKey[Account | None] = web.RequestKey("account")
NONCE = web.RequestKey("nonce", str)


def officer(request: web.Request) -> Account:
    """The logged-in account (the session middleware let the request through)."""
    try:
        account = request[ACCOUNT]
    except KeyError:
        account = None
    if account is None:
        raise web.HTTPUnauthorized(text="log in first: /login")
    return account
