"""``fusion webhooks run``: the sender. Every ``FUSION_WEBHOOKS_REFRESH_INTERVAL`` seconds
it reads the endpoints and their states (both topics to their end) and keeps one queue task
per enabled endpoint, plus the replay queue; /metrics on its own loopback listener.

SIGTERM or SIGINT: retry waits end at once, a POST in flight gets its answer (at most
``FUSION_WEBHOOKS_REQUEST_TIMEOUT``) and is settled, then the sender exits 0; what was not
settled is delivered again by the next start under the same webhook-id. Exit 3 if another
sender took the transactional id over (fenced), 2 if Kafka cannot be reached at start.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import random
import signal
from collections.abc import Awaitable, Callable

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from adapters.kafka.access import kafka_access, receipts_key
from adapters.kafka.webhook_endpoints import Endpoint, EndpointsView
from adapters.kafka.webhook_journal import DeliveryJournal, SenderFencedError
from fusion.contract.principals import WEBHOOKS
from fusion.contract.webhooks import EndpointState
from fusion.errors import DependencyUnavailableError
from stream_apps.webhooks.delivering import Delivery
from stream_apps.webhooks.http_post import Poster
from stream_apps.webhooks.metrics import WebhookMetrics
from stream_apps.webhooks.queues import EndpointQueue, Queues, ReplayQueue
from stream_apps.webhooks.settings import WebhooksSettings
from stream_apps.webhooks.settling import Settler

log = logging.getLogger(__name__)
RESTART_AFTER = 5.0  # seconds before a queue that failed is started again


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class WebhookSender:
    def __init__(self, settings: WebhooksSettings, *, metrics: WebhookMetrics | None = None,
                 clock: Callable[[], dt.datetime] = _now) -> None:
        self._settings = settings
        self._access = kafka_access(settings, WEBHOOKS)
        self._topics = settings.topics()
        self.metrics = metrics or WebhookMetrics()
        self._clock = clock
        self._prefix = settings.sender_prefix()
        self._endpoints: dict[str, Endpoint] = {}
        self._queues: dict[str, tuple[EndpointQueue, asyncio.Task[None]]] = {}
        self._failed_at: dict[str, float] = {}
        # states this sender wrote (a 410) that the last read may predate
        self._written: dict[str, EndpointState] = {}
        self.stop = asyncio.Event()
        self.fenced = False

    async def run(self) -> int:
        journal = DeliveryJournal(self._access, self._topics, transactional_id=self._prefix,
                                  key=receipts_key(self._settings))
        view = EndpointsView(self._access, self._topics)
        poster = Poster(timeout=self._settings.webhooks_request_timeout)
        await journal.start()
        shared = Queues(
            access=self._access,
            delivery=Delivery(poster, self._settings.policy(), self.metrics, self._clock,
                              random.random),
            settler=Settler(journal, self.metrics, self._clock, self._access.username,
                            on_disabled=self._disabled),
            endpoints=self._endpoints.get, group_prefix=self._prefix,
            prefetch=self._settings.webhooks_prefetch,
            idle_wait=self._settings.webhooks_refresh_interval)
        replays = ReplayQueue(shared, self._topics.replays)
        replay_task = asyncio.create_task(self._guarded("replays", replays.run))
        try:
            while not self.stop.is_set():
                try:
                    current = await view.current()  # the queues look up as it is meanwhile
                    self._endpoints.clear()
                    self._endpoints.update((e.endpoint_id, e) for e in current)
                    self._apply_disabled()
                except DependencyUnavailableError as exc:
                    log.error("webhook endpoints: %s (keeping the last ones read)", exc)
                self._reconcile(shared)
                self._gauges()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.stop.wait(),
                                           self._settings.webhooks_refresh_interval)
        finally:
            replays.stop.set()
            for queue, _ in self._queues.values():
                queue.stop.set()
            await asyncio.gather(replay_task, *(t for _, t in self._queues.values()),
                                 return_exceptions=True)
            await view.close()
            await poster.close()
            await journal.close()
        return 3 if self.fenced else 0

    def _disabled(self, state: EndpointState) -> None:
        """A 410 disabled an endpoint: applied at once, so its queue is not started again
        by a read of the states topic that began before the state was committed."""
        self._written[state.endpoint_id] = state
        self._apply_disabled()

    def _apply_disabled(self) -> None:
        for eid, state in list(self._written.items()):
            found = self._endpoints.get(eid)
            if found is None:
                del self._written[eid]
            elif found.state is not None and found.state.changed_at >= state.changed_at:
                del self._written[eid]  # the topic has it, or something newer (an enable)
            else:
                self._endpoints[eid] = Endpoint(found.endpoint, state)

    def _reconcile(self, shared: Queues) -> None:
        wanted = {i for i, e in self._endpoints.items() if e.enabled}
        for eid, (queue, task) in list(self._queues.items()):
            if eid not in wanted or task.done():
                queue.stop.set()
                if task.done():
                    del self._queues[eid]
        loop = asyncio.get_running_loop()
        for eid in sorted(wanted - set(self._queues)):
            if loop.time() - self._failed_at.get(eid, -RESTART_AFTER) < RESTART_AFTER:
                continue
            queue = EndpointQueue(shared, self._endpoints[eid])
            self._queues[eid] = (queue, asyncio.create_task(self._guarded(eid, queue.run)))
            log.info("webhook endpoint %s: delivering (group %s)", eid, queue.group)
        self.metrics.endpoints.set(len(self._queues))

    async def _guarded(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        try:
            await run()
        except SenderFencedError as exc:
            log.error("%s", exc)
            self.fenced = True
            self.stop.set()
        except DependencyUnavailableError as exc:
            log.error("webhook queue %s: %s; started again in %gs", name, exc, RESTART_AFTER)
            self._failed_at[name] = asyncio.get_running_loop().time()
        except Exception:
            log.exception("webhook queue %s failed; started again in %gs", name,
                          RESTART_AFTER)
            self._failed_at[name] = asyncio.get_running_loop().time()

    def _gauges(self) -> None:
        now = self._clock()
        oldest = {e.endpoint.agency.value: 0.0 for e in self._endpoints.values()}
        for queue, _ in self._queues.values():
            found = self._endpoints.get(queue.endpoint_id)
            if found is None or queue.pending_since is None:
                continue
            agency = found.endpoint.agency.value
            oldest[agency] = max(oldest[agency], (now - queue.pending_since).total_seconds())
        for agency, age in oldest.items():
            self.metrics.oldest.labels(agency).set(age)


async def _serve_metrics(sender: WebhookSender, settings: WebhooksSettings
                         ) -> web.AppRunner | None:
    if not settings.webhooks_metrics_port:
        return None

    async def get_metrics(request: web.Request) -> web.Response:
        return web.Response(body=generate_latest(sender.metrics.registry),
                            headers={"Content-Type": CONTENT_TYPE_LATEST})

    app = web.Application()
    app.router.add_get("/metrics", get_metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, settings.webhooks_metrics_host,
                      settings.webhooks_metrics_port).start()
    log.info("webhook sender: metrics on http://%s:%d/metrics", settings.webhooks_metrics_host,
             settings.webhooks_metrics_port)
    return runner


async def _main(settings: WebhooksSettings) -> int:
    sender = WebhookSender(settings)
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, sender.stop.set)
    runner = await _serve_metrics(sender, settings)
    try:
        return await sender.run()
    finally:
        if runner is not None:
            await runner.cleanup()


def run_sender(settings: WebhooksSettings) -> int:
    return asyncio.run(_main(settings))
