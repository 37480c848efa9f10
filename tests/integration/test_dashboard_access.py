"""Who gets into the dashboard: every route of its table but the login page needs a session
(401, or a redirect to /login); a POST without the session's CSRF token, or from another
site, is refused; the login form has a token of its own; failed logins are throttled; the
session cookie is Secure, HttpOnly, SameSite=Strict and __Host-; a removed account is out
at its next request. The app is the real one, on the real Redis and Kafka."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dashboard.accounts import Role
from dashboard.web.app import PUBLIC
from fusion.contract import Agency
from tests.integration.conftest import Stack
from tests.integration.dashboard_harness import add_account, in_process, in_thread

pytestmark = pytest.mark.integration

SAMPLE = {"lead_id": "L-" + "0" * 32, "username": "someone", "name": "app.css"}


def _path(canonical: str) -> str:
    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: SAMPLE[m[1]], canonical)


def test_every_route_without_a_session_is_refused_or_sent_to_login(
        stack: Stack, tmp_path: Path) -> None:
    async def scenario() -> list[str]:
        async with in_process(stack, tmp_path) as app:
            routes = [(r.method, r.resource.canonical) for r in
                      app.context_app.router.routes() if r.resource is not None]
            assert len(routes) >= 15
            wrong = []
            for method, canonical in [*routes, ("GET", "/no/such/page")]:
                if method == "HEAD" or (method, canonical) in PUBLIC:
                    continue
                response = await app.client.request(method, app.url + _path(canonical),
                                                    allow_redirects=False)
                location = response.headers.get("Location", "")
                if not (response.status == 401 or (response.status == 303
                                                   and location.startswith("/login"))):
                    wrong.append(f"{method} {canonical}: {response.status} {location}")
            return wrong
    assert in_thread(scenario) == []


def test_only_the_login_page_is_public() -> None:
    assert {path for _, path in PUBLIC} == {"/login"}


def test_a_post_without_the_csrf_token_or_from_another_site_is_refused(
        stack: Stack, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with in_process(stack, tmp_path) as app:
            password = add_account(app.accounts, "ana", Agency.HSI)
            assert await app.login("ana", password) == 303
            token = await app.csrf()
            target = f"{app.url}/leads/{SAMPLE['lead_id']}/triage"
            no_token = await app.client.post(target, data={"kind": "acknowledge"})
            assert no_token.status == 403
            assert "CSRF" in await no_token.text()
            wrong = await app.client.post(target, data={"kind": "acknowledge",
                                                        "csrf_token": token + "x"})
            assert wrong.status == 403
            cross_site = await app.client.post(
                target, data={"kind": "acknowledge", "csrf_token": token},
                headers={"Origin": "http://evil.example"})
            assert cross_site.status == 403
            fetch_cross = await app.client.post(
                f"{app.url}/logout", data={"csrf_token": token},
                headers={"Sec-Fetch-Site": "cross-site"}, allow_redirects=False)
            assert fetch_cross.status == 403
            assert (await app.client.get(f"{app.url}/queue")).status == 200  # still in
            # With the token, from the app itself, the request goes through to the handler:
            same = await app.client.post(target, data={"kind": "acknowledge",
                                                       "csrf_token": token})
            assert same.status == 404  # no such lead for HSI
            header = await app.client.post(target, data={"kind": "acknowledge"},
                                           headers={"X-CSRF-Token": token})
            assert header.status == 404
    in_thread(scenario)


def test_the_login_form_needs_its_own_token_and_sets_a_strict_session_cookie(
        stack: Stack, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with in_process(stack, tmp_path) as app:
            password = add_account(app.accounts, "ana", Agency.HSI)
            forged = await app.client.post(f"{app.url}/login", allow_redirects=False,
                                           data={"username": "ana", "password": password})
            assert forged.status == 403
            form = await app.client.get(f"{app.url}/login")
            token = re.search(r'name="login_token" value="([^"]+)"', await form.text())
            assert token is not None
            done = await app.client.post(
                f"{app.url}/login", allow_redirects=False,
                data={"username": "ana", "password": password, "login_token": token[1],
                      "next": "//evil.example/"})
            assert done.status == 303
            assert done.headers["Location"] == "/queue"  # never to another site
            cookie = next(v for v in done.headers.getall("Set-Cookie")
                          if v.startswith("__Host-fusion-session="))
            for flag in ("HttpOnly", "SameSite=Strict", "Secure", "Path=/"):
                assert flag in cookie
            assert "Domain" not in cookie
            assert password not in cookie
    in_thread(scenario)


def test_failed_logins_are_throttled_even_for_the_right_password(
        stack: Stack, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with in_process(stack, tmp_path, dashboard_login_max_failures=3) as app:
            password = add_account(app.accounts, "ana", Agency.HSI)
            for _ in range(3):
                assert await app.login("ana", "wrong") == 401
            assert await app.login("ana", password) == 429
            assert (await app.client.get(f"{app.url}/queue", allow_redirects=False)
                    ).status == 303
    in_thread(scenario)


def test_a_removed_account_and_a_logged_out_session_are_out_at_once(
        stack: Stack, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with in_process(stack, tmp_path) as app:
            password = add_account(app.accounts, "ana", Agency.HSI, Role.OFFICER)
            admin_password = add_account(app.accounts, "root", Agency.EPIC,
                                         Role.ADMINISTRATOR)
            assert await app.login("ana", password) == 303
            assert (await app.client.get(f"{app.url}/queue")).status == 200
            assert (await app.client.get(f"{app.url}/admin/accounts")).status == 403
            app.context.accounts.remove("ana")
            assert (await app.client.get(f"{app.url}/queue", allow_redirects=False)
                    ).status == 303
            assert await app.login("root", admin_password) == 303
            token = await app.csrf()
            out = await app.client.post(f"{app.url}/logout", data={"csrf_token": token},
                                        allow_redirects=False)
            assert out.status == 303
            assert (await app.client.get(f"{app.url}/queue", allow_redirects=False)
                    ).status == 303
    in_thread(scenario)


def test_an_administrator_adds_an_account_whose_password_is_shown_once(
        stack: Stack, tmp_path: Path) -> None:
    async def scenario() -> None:
        async with in_process(stack, tmp_path) as app:
            admin_password = add_account(app.accounts, "root", Agency.EPIC, Role.ADMINISTRATOR)
            assert await app.login("root", admin_password) == 303
            token = await app.csrf()
            bad = await app.client.post(f"{app.url}/admin/accounts", data={
                "csrf_token": token, "username": "Bad Name", "agency": "HSI",
                "role": "officer"})
            assert bad.status == 400
            assert "username" in await bad.text()
            made = await app.client.post(f"{app.url}/admin/accounts", data={
                "csrf_token": token, "username": "maria", "agency": "ANAM", "role": "officer",
                "language": "es", "time_zone": "America/Mexico_City"})
            assert made.status == 201
            password = re.search(r'id="new-password">([^<]+)<', await made.text())
            assert password is not None
            assert password[1] not in app.accounts.read_text()
            listing = await (await app.client.get(f"{app.url}/admin/accounts")).text()
            assert "maria" in listing
            assert password[1] not in listing  # shown once, on the answer to the POST
            await app.client.post(f"{app.url}/logout", data={"csrf_token": token})
            assert await app.login("maria", password[1]) == 303
            queue = await (await app.client.get(f"{app.url}/queue")).text()
            assert '<html lang="es">' in queue
    in_thread(scenario)
