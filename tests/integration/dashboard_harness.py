"""The dashboard for the integration tests: in this process (its real route table, Redis
and Kafka clients, served by aiohttp's test server on a loop of its own thread), or as a
real ``fusion dashboard serve`` process for the browser."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import os
import re
import subprocess
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from aiohttp import ClientSession, CookieJar, web
from aiohttp.test_utils import TestServer

from adapters.kafka.dashboard_feed import TriagePublisher
from adapters.redis.client import connect_redis
from adapters.redis.dashboard_store import DashboardStore
from dashboard.accounts import Account, AccountsFile, Passwords, Role, new_password
from dashboard.deadlines import AckDeadlines
from dashboard.i18n import all_translations
from dashboard.service import DashboardService
from dashboard.settings import DashboardSettings
from dashboard.web.app import build_app
from dashboard.web.auth import LoginThrottle, Sessions
from dashboard.web.context import Context
from dashboard.web.render import Renderer
from fusion.contract import TRIAGE_TOPIC, Agency
from fusion.contract.principals import DASHBOARD
from tests.integration.conftest import (
    FUSION,
    READY_TIMEOUT,
    ROOT,
    Stack,
    free_port,
    stop_worker,
)

T = TypeVar("T")
PASSWORDS = Passwords()


def in_thread(scenario: Callable[[], Awaitable[T]], *, timeout: float = 120) -> T:
    """Run an async scenario on an event loop of its own thread (Playwright's sync API may
    own this thread's loop), and return its result or raise its error."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["value"] = asyncio.run(scenario())  # type: ignore[arg-type]
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(timeout)
    if thread.is_alive():
        raise TimeoutError(f"the scenario did not finish within {timeout}s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]  # type: ignore[no-any-return]


def add_account(path: Path, username: str, agency: Agency, role: Role = Role.OFFICER,
                *, language: str = "en") -> str:
    password = new_password()
    AccountsFile(path).add(Account(username=username, agency=agency, role=role,
                                   language=language,  # type: ignore[arg-type]
                                   password_hash=PASSWORDS.hash(password)))
    return password


@dataclass
class InProcess:
    url: str
    client: ClientSession
    context: Context
    accounts: Path
    context_app: web.Application

    async def login(self, username: str, password: str) -> int:
        form = await self.client.get(f"{self.url}/login")
        token = re.search(r'name="login_token" value="([^"]+)"', await form.text())
        assert token is not None
        response = await self.client.post(
            f"{self.url}/login", allow_redirects=False,
            data={"username": username, "password": password, "login_token": token[1]})
        return response.status

    async def csrf(self) -> str:
        page = await (await self.client.get(f"{self.url}/queue")).text()
        found = re.search(r'data-csrf="([^"]+)"', page)
        assert found is not None
        return found[1]


@contextlib.asynccontextmanager
async def in_process(stack: Stack, tmp: Path, **settings: Any) -> AsyncIterator[InProcess]:
    prefix = f"test-dash-{uuid.uuid4().hex[:8]}:"
    config = DashboardSettings(redis_prefix=prefix, **settings)
    access = stack.access(DASHBOARD)
    publisher = TriagePublisher(access, topic=TRIAGE_TOPIC)
    await publisher.start()
    redis = await connect_redis(config)
    store = DashboardStore(redis, prefix=prefix, where=config.redis_url)
    clock = lambda: dt.datetime.now(dt.UTC)  # noqa: E731
    accounts = tmp / f"accounts-{uuid.uuid4().hex[:6]}.json"
    context = Context(
        service=DashboardService(audit_topic=config.audit_topic, triage_topic=TRIAGE_TOPIC,
                                 publisher=publisher, clock=clock),
        accounts=AccountsFile(accounts), passwords=PASSWORDS,
        sessions=Sessions(store, ttl=config.dashboard_session_ttl,
                          secure=config.dashboard_secure_cookies),
        throttle=LoginThrottle(store, max_failures=config.dashboard_login_max_failures,
                               window=config.dashboard_login_window),
        renderer=Renderer(all_translations()), deadlines=AckDeadlines(config.ack_windows),
        clock=clock, heartbeat=1)
    app = build_app(context)
    server = TestServer(app, host="127.0.0.1", port=free_port())
    await server.start_server()
    url = str(server.make_url("")).rstrip("/")
    jar = CookieJar(unsafe=True, treat_as_secure_origin=[url])  # unsafe: an IP address
    try:
        async with ClientSession(cookie_jar=jar) as client:
            yield InProcess(url, client, context, accounts, app)
    finally:
        await server.close()
        await publisher.stop()
        for key in [k async for k in redis.scan_iter(f"{prefix}*")]:
            await redis.delete(key)
        await store.close()


@dataclass(frozen=True)
class Served:
    url: str
    accounts: Path
    log: Path
    metrics_url: str


@contextlib.contextmanager
def serve(tmp: Path, *, env: dict[str, str]) -> Iterator[tuple[Served, subprocess.Popen[bytes]]]:
    """A real ``fusion dashboard serve``, ready once it printed its URL (it has then read
    its topics to the end)."""
    port, metrics_port = free_port(), free_port()
    accounts = tmp / "dashboard-accounts.json"
    log = tmp / f"dashboard-{port}.log"
    full_env = {**os.environ, "FUSION_DASHBOARD_PORT": str(port),
                "FUSION_DASHBOARD_METRICS_PORT": str(metrics_port),
                "FUSION_DASHBOARD_ACCOUNTS_FILE": str(accounts),
                "FUSION_REDIS_PREFIX": f"test-dash-{uuid.uuid4().hex[:8]}:", **env}
    with log.open("wb") as out:
        proc = subprocess.Popen([FUSION, "dashboard", "serve"], cwd=ROOT, env=full_env,
                                stdout=subprocess.PIPE, stderr=out)
    try:
        assert proc.stdout is not None
        stdout = proc.stdout
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(stdout.readline().decode()),
                                  daemon=True)
        reader.start()
        reader.join(READY_TIMEOUT)  # the line comes once the topics are read, or EOF
        line = first[0] if first else ""
        if not line.startswith("dashboard on "):
            raise AssertionError(f"the dashboard did not start:\n{log.read_text()[-3000:]}")
        yield (Served(line.removeprefix("dashboard on ").strip(), accounts, log,
                      f"http://127.0.0.1:{metrics_port}/metrics"), proc)
    finally:
        if proc.poll() is not None:
            with log.open("a") as out:
                out.write(f"(the dashboard had exited with {proc.returncode})\n")
        stop_worker(proc)
        if proc.stdout is not None:
            proc.stdout.close()
