"""``fusion dashboard serve``: read the topics up to their end (the board is whole before the
first page is served), listen, then follow the topics until SIGTERM or Ctrl-C."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import signal
from collections.abc import Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from adapters.kafka.access import kafka_access
from adapters.kafka.dashboard_feed import DashboardFeed, TriagePublisher
from adapters.redis.client import connect_redis
from adapters.redis.dashboard_store import DashboardStore
from dashboard.accounts import AccountsFile, Passwords
from dashboard.deadlines import AckDeadlines
from dashboard.i18n import all_translations
from dashboard.metrics import registry
from dashboard.service import DashboardService, seizure_topics
from dashboard.settings import DashboardSettings
from dashboard.web.app import build_app
from dashboard.web.auth import LoginThrottle, Sessions
from dashboard.web.context import Context
from dashboard.web.render import Renderer
from fusion.contract import Agency, lead_topic
from fusion.contract.principals import DASHBOARD

log = logging.getLogger(__name__)


def topics_of(settings: DashboardSettings) -> list[str]:
    return [*(lead_topic(a) for a in Agency), settings.audit_topic, settings.triage_topic,
            *seizure_topics()]


async def serve(settings: DashboardSettings, *, ready: Callable[[str], None],
                clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)) -> None:
    access = kafka_access(settings, DASHBOARD)
    publisher = TriagePublisher(access, topic=settings.triage_topic)
    service = DashboardService(audit_topic=settings.audit_topic,
                               triage_topic=settings.triage_topic, publisher=publisher,
                               clock=clock)
    feed = DashboardFeed(access, topics=topics_of(settings),
                         since=clock() - dt.timedelta(seconds=settings.dashboard_horizon))
    redis = await connect_redis(settings)
    store = DashboardStore(redis, prefix=settings.redis_prefix, where=settings.redis_url)
    runners: list[web.AppRunner] = []
    try:
        await publisher.start()
        await feed.start()
        count = await feed.catch_up(service.take)
        log.info("read %d records of %d leads back", count, len(service.board.leads))
        context = Context(
            service=service, accounts=AccountsFile(settings.accounts_file),
            passwords=Passwords(),
            sessions=Sessions(store, ttl=settings.dashboard_session_ttl,
                              secure=settings.dashboard_secure_cookies),
            throttle=LoginThrottle(store, max_failures=settings.dashboard_login_max_failures,
                                   window=settings.dashboard_login_window),
            renderer=Renderer(all_translations()),
            deadlines=AckDeadlines(settings.ack_windows), clock=clock)
        url = await _listen(runners, build_app(context), settings.dashboard_host,
                            settings.dashboard_port)
        if settings.dashboard_metrics_port:
            metrics = web.Application()
            reg = registry(service, days=settings.dashboard_precision_days, clock=clock)

            async def get_metrics(request: web.Request) -> web.Response:
                return web.Response(body=generate_latest(reg),
                                    headers={"Content-Type": CONTENT_TYPE_LATEST})

            metrics.router.add_get("/metrics", get_metrics)
            await _listen(runners, metrics, settings.dashboard_host,
                          settings.dashboard_metrics_port)
        ready(url)
        following = asyncio.create_task(feed.follow(service.take))
        await _until_stopped()
        following.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await following
    finally:
        for runner in runners:
            await runner.cleanup()
        await feed.stop()
        await publisher.stop()
        await store.close()


async def _listen(runners: list[web.AppRunner], app: web.Application, host: str,
                  port: int) -> str:
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    runners.append(runner)
    site = web.TCPSite(runner, host, port)
    await site.start()
    return f"http://{host}:{port}"


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
