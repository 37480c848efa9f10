"""The web application: its route table, and the middlewares every request passes.

Every route but the login page needs a session: without one a page is redirected to
``/login`` and anything else (htmx fragments, the live feed, POSTs, static files) is
answered 401 (``tests/integration/test_dashboard_access.py`` walks this table). Every POST
but the login needs the session's CSRF token and the app's own origin. Every answer carries
a strict Content-Security-Policy (scripts and styles from the app only, a nonce for the
login page's inline style), no framing, no caching of pages.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote

from aiohttp import web

from dashboard.web import admin, analytics, live, login, pages
from dashboard.web.auth import same_origin, token_matches
from dashboard.web.context import CONTEXT, Context
from dashboard.web.keys import ACCOUNT, NONCE, SESSION

log = logging.getLogger(__name__)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PUBLIC = frozenset({("GET", "/login"), ("POST", "/login")})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def build_app(context: Context) -> web.Application:
    app = web.Application(middlewares=[_headers, _session, _csrf], client_max_size=64 * 1024)
    app[CONTEXT] = context
    app.router.add_get("/login", login.form)
    app.router.add_post("/login", login.submit)
    app.router.add_post("/logout", login.logout)
    app.router.add_get("/", pages.home)
    app.router.add_get("/queue", pages.queue)
    app.router.add_get("/queue/rows", pages.queue_rows)
    app.router.add_post("/queue/acknowledge", pages.bulk_acknowledge)
    app.router.add_get("/leads/{lead_id}", pages.lead)
    app.router.add_get("/leads/{lead_id}/live", pages.lead_live)
    app.router.add_post("/leads/{lead_id}/triage", pages.triage)
    app.router.add_get("/precision", pages.precision)
    app.router.add_get("/seizures", analytics.seizures)
    app.router.add_get("/seizures.csv", analytics.seizures_csv)
    app.router.add_post("/settings/language", pages.language)
    app.router.add_get("/events", live.events)
    app.router.add_get("/admin/accounts", admin.accounts)
    app.router.add_post("/admin/accounts", admin.add_account)
    app.router.add_post("/admin/accounts/{username}/remove", admin.remove_account)
    app.router.add_get("/static/{name:[a-z0-9._-]+}", pages.static)
    app.router.add_get("/static/vendor/{name:[a-z0-9._-]+}", pages.vendor)
    return app


def _htmx_or_api(request: web.Request) -> bool:
    return (request.method != "GET" or "HX-Request" in request.headers
            or request.path in ("/events",) or request.path.startswith("/static/")
            or request.path.endswith("/live") or request.path.endswith("/rows"))


@web.middleware
async def _headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    nonce = request[NONCE] = secrets.token_urlsafe(16)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        response = exc
        _secure(response, nonce, static=False)
        raise
    _secure(response, nonce, static=request.path.startswith("/static/"))
    return response


def _secure(response: web.StreamResponse, nonce: str, *, static: bool) -> None:
    if response.prepared:
        return
    headers = response.headers
    headers["Content-Security-Policy"] = (
        f"default-src 'none'; script-src 'self'; style-src 'self' 'nonce-{nonce}'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'")
    headers["X-Frame-Options"] = "DENY"
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Cache-Control"] = "private, max-age=300" if static else "no-store"


@web.middleware
async def _session(request: web.Request, handler: Handler) -> web.StreamResponse:
    context = request.app[CONTEXT]
    route = request.match_info.route
    resource = route.resource
    public = resource is not None and (request.method, resource.canonical) in PUBLIC
    session = await context.sessions.current(request)
    account = context.accounts.get(session.username) if session else None
    if session is not None and account is None:  # the account was removed meanwhile
        session = None
    request[SESSION], request[ACCOUNT] = session, account
    if session is None and not public:
        if _htmx_or_api(request):
            raise web.HTTPUnauthorized(text="log in first: /login",
                                       headers={"WWW-Authenticate": 'Cookie realm="fusion"'})
        raise web.HTTPSeeOther(f"/login?next={quote(request.path_qs, safe='')}")
    return await handler(request)


@web.middleware
async def _csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in SAFE_METHODS:
        return await handler(request)
    if not same_origin(request):
        raise web.HTTPForbidden(text="refused: this request came from another site")
    session = request.get(SESSION)
    if session is not None:
        given = request.headers.get("X-CSRF-Token")
        if given is None and request.content_type in ("application/x-www-form-urlencoded",
                                                      "multipart/form-data"):
            form = await request.post()
            value = form.get("csrf_token")
            given = value if isinstance(value, str) else None
        if not token_matches(session.csrf, given):
            raise web.HTTPForbidden(text="refused: the form's CSRF token is missing or wrong; "
                                         "reload the page and try again")
    return await handler(request)
