"""``/login`` and ``/logout``."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from dashboard.labels import N_
from dashboard.web.auth import token_matches
from dashboard.web.context import CONTEXT
from dashboard.web.keys import SESSION

log = logging.getLogger(__name__)
MAX_FIELD = 256


def safe_next(value: object) -> str:
    """Where to go after login: a path of this app, never another site."""
    if isinstance(value, str) and value.startswith("/") and not value.startswith("//") \
            and "\\" not in value and len(value) < 2000:
        return value
    return "/queue"


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={"Location": location})


async def form(request: web.Request) -> web.StreamResponse:
    if request.get(SESSION) is not None:
        return see_other(safe_next(request.query.get("next")))
    return _form(request, status=200, error=None)


def _form(request: web.Request, *, status: int, error: str | None,
          error_args: dict[str, object] | None = None, username: str = "",
          next_path: str | None = None) -> web.StreamResponse:
    context = request.app[CONTEXT]
    response = web.Response()
    token = context.sessions.login_token(request, response)
    page = context.renderer.page(request, "login.html", status=status, error=error,
                                 error_args=error_args or {}, login_token=token,
                                 username=username,
                                 next=next_path or safe_next(request.query.get("next")))
    for name, value in response.cookies.items():
        page.cookies[name] = value
    return page


async def submit(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    form_data = await request.post()
    username = str(form_data.get("username", ""))[:MAX_FIELD].strip().lower()
    password = str(form_data.get("password", ""))[:MAX_FIELD]
    given = form_data.get("login_token")
    if not token_matches(request.cookies.get(context.sessions.login_cookie, ""),
                         given if isinstance(given, str) else None):
        raise web.HTTPForbidden(text="refused: the login form's token is missing or wrong; "
                                     "reload the login page")
    address = request.remote or "unknown"
    next_path = safe_next(form_data.get("next"))
    wait = await context.throttle.refused_for(username, address)
    if wait:
        log.warning("login refused for %r from %s: too many failures", username, address)
        response = _form(request, status=429, username=username, next_path=next_path,
                         error=N_("Too many failed logins. Try again in %(minutes)s minutes."),
                         error_args={"minutes": max(1, round(wait / 60))})
        response.headers["Retry-After"] = str(wait)
        return response
    account = context.accounts.get(username)
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(None, context.passwords.check, account, password)
    if not ok or account is None:
        await context.throttle.failed(username, address)
        log.warning("failed login for %r from %s", username, address)
        return _form(request, status=401, username=username, next_path=next_path,
                     error=N_("Wrong user name or password."))
    await context.throttle.succeeded(username)
    response = see_other(next_path)
    await context.sessions.open(response, account.username)
    log.info("%s (%s, %s) logged in from %s", account.username, account.agency.value,
             account.role.value, address)
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    context = request.app[CONTEXT]
    response = see_other("/login")
    session = request[SESSION]
    if session is not None:
        await context.sessions.close(response, session)
    return response
