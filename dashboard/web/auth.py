"""Sessions, CSRF and login throttling.

- A session is a random 256-bit token in a cookie (``HttpOnly``, ``SameSite=Strict``,
  ``Secure`` with the ``__Host-`` prefix unless FUSION_DASHBOARD_SECURE_COOKIES=false), kept
  in Redis under its SHA-256 with a sliding TTL. It names the user and carries a CSRF token;
  the account is looked up on every request, so a removed account is logged out at once.
- Every POST must carry the session's CSRF token (form field ``csrf_token`` or header
  ``X-CSRF-Token``, the way htmx sends it) and must not come from another origin (``Origin``
  or ``Sec-Fetch-Site``); the login form has a token of its own, in a pre-login cookie.
- Failed logins are counted per user name and per client address in Redis; past
  FUSION_DASHBOARD_LOGIN_MAX_FAILURES within the window, logins are refused (429) until it
  ends, even with the right password.
"""

from __future__ import annotations

import hmac
import json
import secrets
from dataclasses import dataclass

from aiohttp import web

from adapters.redis.dashboard_store import DashboardStore


@dataclass(frozen=True)
class Session:
    token: str
    username: str
    csrf: str


class Sessions:
    def __init__(self, store: DashboardStore, *, ttl: float, secure: bool) -> None:
        self._store = store
        self._ttl = int(ttl)
        self.secure = secure
        self.cookie = "__Host-fusion-session" if secure else "fusion-session"
        self.login_cookie = "__Host-fusion-login" if secure else "fusion-login"

    async def open(self, response: web.StreamResponse, username: str) -> Session:
        session = Session(secrets.token_urlsafe(32), username, secrets.token_urlsafe(32))
        value = json.dumps({"username": username, "csrf": session.csrf}).encode()
        await self._store.put_session(session.token, username, value, ttl=self._ttl)
        self._set(response, self.cookie, session.token)
        response.del_cookie(self.login_cookie, path="/", secure=self.secure)
        return session

    async def current(self, request: web.Request) -> Session | None:
        token = request.cookies.get(self.cookie)
        if not token or len(token) > 128:
            return None
        value = await self._store.touch_session(token, ttl=self._ttl)
        if value is None:
            return None
        doc = json.loads(value)
        return Session(token, doc["username"], doc["csrf"])

    async def close(self, response: web.StreamResponse, session: Session) -> None:
        await self._store.drop_session(session.token)
        response.del_cookie(self.cookie, path="/", secure=self.secure)

    async def close_all(self, username: str) -> int:
        return await self._store.drop_user_sessions(username)

    def login_token(self, request: web.Request, response: web.StreamResponse) -> str:
        """The login form's CSRF token (double submit: cookie and hidden field)."""
        token = request.cookies.get(self.login_cookie) or secrets.token_urlsafe(24)
        self._set(response, self.login_cookie, token)
        return token

    def _set(self, response: web.StreamResponse, name: str, value: str) -> None:
        response.set_cookie(name, value, path="/", httponly=True, samesite="Strict",
                            secure=self.secure)


def same_origin(request: web.Request) -> bool:
    """False for a request another site's page made (its Origin, or Sec-Fetch-Site)."""
    origin = request.headers.get("Origin")
    if origin is not None:
        return origin == f"{request.scheme}://{request.host}"
    return request.headers.get("Sec-Fetch-Site", "same-origin") in ("same-origin", "none")


def token_matches(expected: str, given: str | None) -> bool:
    return bool(expected) and given is not None and hmac.compare_digest(expected, given)


class LoginThrottle:
    def __init__(self, store: DashboardStore, *, max_failures: int, window: float) -> None:
        self._store = store
        self._max = max_failures
        self._window = int(window)

    async def refused_for(self, username: str, address: str) -> int:
        """Seconds until a login may be tried again (0: it may)."""
        waits = []
        for who in (f"user:{username}", f"addr:{address}"):
            count, left = await self._store.failures(who)
            if count >= self._max:
                waits.append(max(left, 1))
        return max(waits, default=0)

    async def failed(self, username: str, address: str) -> None:
        for who in (f"user:{username}", f"addr:{address}"):
            await self._store.fail(who, window=self._window)

    async def succeeded(self, username: str) -> None:
        await self._store.clear_failures(f"user:{username}")
