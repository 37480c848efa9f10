"""A real HTTP receiver for the webhook tests: aiohttp on 127.0.0.1 (an ephemeral port), in
a thread of its own, verifying every POST with the ``standardwebhooks`` library as a
partner would, deduping on webhook-id, and answering as the test says: ``up`` (204),
``down`` (503, ``Retry-After: 0``), ``gone`` (410), or not listening at all (``stop``)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass(frozen=True)
class Received:
    webhook_id: str
    lead_id: str
    revision: int
    signatures: int
    status: str = "active"


@dataclass
class Receiver:
    port: int = 0
    mode: str = "up"
    secrets: list[str] = field(default_factory=list)
    delivered: list[Received] = field(default_factory=list)  # answered 2xx, in order
    refused: int = 0  # answered anything else
    refused_ids: list[str] = field(default_factory=list)
    bad_signatures: list[str] = field(default_factory=list)
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def unique_ids(self) -> set[str]:
        with self._lock:
            return {r.webhook_id for r in self.delivered}

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.delivered)

    async def _hook(self, request: web.Request) -> web.Response:
        body = await request.read()
        headers = dict(request.headers)
        if self.mode in ("down", "gone"):
            self.refused_ids.append(headers.get("webhook-id", "?"))
        if self.mode == "down":
            self.refused += 1
            return web.Response(status=503, headers={"Retry-After": "0"})
        if self.mode == "gone":
            self.refused += 1
            return web.Response(status=410)
        payload: Any = None
        for secret in self.secrets:
            try:
                payload = Webhook(secret).verify(body, headers)
                break
            except WebhookVerificationError:
                continue
        if payload is None:
            self.bad_signatures.append(headers.get("webhook-id", "?"))
            return web.Response(status=401)
        lead = payload["data"]
        with self._lock:
            self.delivered.append(Received(
                headers["webhook-id"], lead["lead_id"], lead["revision"],
                len(headers["webhook-signature"].split(" ")), lead.get("status", "active")))
        return web.Response(status=204)

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._hook)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        if self.port == 0:
            server = site._server
            assert server is not None
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def _stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def _call(self, coro: Any) -> None:
        assert self._loop is not None
        asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout=30)

    def listen(self) -> None:
        self._call(self._start())

    def stop(self) -> None:
        """Not listening any more (connections are refused) until ``listen``."""
        self._call(self._stop())

    def json(self) -> str:
        return json.dumps([r.__dict__ for r in self.snapshot()])


@contextmanager
def receiver(mode: str = "up") -> Iterator[Receiver]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    rec = Receiver(mode=mode, _loop=loop)
    try:
        rec.listen()
        yield rec
    finally:
        rec.stop()
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
