"""The Faust app: three agents around the pure stages.

    feeds.<agency>.<feed>
        --intake-->     internal.events (one share per partition owning one of the event's
                        group keys)  + feeds.dlq (refused records, with reasons)
        --correlate-->  internal.leads  + internal.late-events
        --dispatch-->   leads.<agency>

Every agent takes records in batches (``take_events``): decoding, Redis look-ups, state
changelog writes and sends are done per batch, not per record, which is what makes Faust keep
up with a bursty feed. Each agent waits for the broker to confirm a batch's outputs before it
takes the next (``stream_apps/delivery.py``), so no offset is committed past an input whose
outputs were refused.

Internal records (``internal.events``, ``internal.leads``) carry the writing worker's app id
(``fusion-app`` header); a worker skips those another app id wrote, so a second worker group
on the same broker (``fusion evaluate``'s own, a test's) does not feed this one.

The web server serves ``/metrics`` and ``/healthz`` and nothing else: Faust's own views
(tables by key, the router, statistics, graph) are off.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

import faust
from aiohttp.web import Response
from faust.sensors.prometheus import FaustMetrics, PrometheusMonitor
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import ValidationError

from adapters.kafka.access import KafkaAccess, audit_key, kafka_access
from adapters.kafka.audit_log import AuditLog
from adapters.kafka.faust_internals import (
    check_changelog_codec,
    drop_builtin_web_views,
    table_local_dict,
)
from adapters.kafka.feed_consumer import FeedConsumer
from adapters.kafka.group_state import GroupStateLog
from adapters.kafka.silences import SilencesView
from adapters.kafka.subscriptions import SubscriptionsView
from adapters.kafka.watchlist_state import WatchlistSeed
from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_PARTITIONS,
    CORRELATION_TOPIC,
    DEAD_LETTER_TOPIC,
    LATE_EVENTS_TOPIC,
    Agency,
    feed_topics,
    lead_topic,
)
from fusion.contract.principals import WORKER, intake_group
from fusion.errors import ConfigurationError, DependencyUnavailableError
from rules.published import decode_rule_set
from stream_apps.backlog import Backlog
from stream_apps.batch_send import BatchSender
from stream_apps.correlate import CorrelationStage
from stream_apps.dead_letters import RecordOrigin
from stream_apps.decoded_events import DecodedEvents
from stream_apps.delivery import Delivery, DeliveryStatus
from stream_apps.dispatch import DispatchStage
from stream_apps.feed_intake import IntakeActivity, run_intake
from stream_apps.intake import IntakeLimits, IntakeStage
from stream_apps.metrics import WorkerMetrics
from stream_apps.partition_state import PartitionStore
from stream_apps.progress import tick_record
from stream_apps.records import (
    APP_HEADER,
    RECALL_HEADER,
    SHARE_HEADER,
    SOURCE_HEADER,
    InboundRecord,
    OutboundRecord,
)
from stream_apps.retry import retry_while_down
from stream_apps.rule_runtime import RuleRuntime, initial_rule_set
from stream_apps.settings import WorkerSettings

log = logging.getLogger(__name__)


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_app(settings: WorkerSettings, *, registry: CollectorRegistry | None = None) -> faust.App:
    registry = registry or CollectorRegistry()
    access = kafka_access(settings, WORKER)
    app = faust.App(
        settings.app_id,
        broker=f"kafka://{access.bootstrap}",
        broker_credentials=faust.SASLCredentials(
            username=access.username, password=access.password, mechanism=access.mechanism),
        store="memory://",
        datadir=settings.data_dir,
        web_host=settings.web_host,
        web_port=settings.web_port,
        web_bind=settings.web_host,
        topic_partitions=3,
        consumer_auto_offset_reset=settings.auto_offset_reset,
        broker_max_poll_records=settings.batch_size * 2,
        stream_buffer_maxsize=settings.batch_size * 4,
        producer_linger=0.005,
        # BatchSender hands over one record batch per partition; aiokafka's default (16 KiB)
        # would split a 500-event batch into many, each waiting for the one before to drain.
        producer_max_batch_size=settings.producer_batch_bytes,
        producer_acks=-1,
        broker_session_timeout=settings.session_timeout,
        # Static membership for Faust's own group too; the name includes the web address:
        # Faust's assignor asserts that a member's assignment carries the URL it has now
        # (faust/assignor/partition_assignor.py on_assignment), and a restarted static
        # member is handed the assignment of its last start.
        consumer_group_instance_id=settings.group_instance(
            f"app-{settings.web_host}-{settings.web_port}"),
        # Only /metrics and /healthz: no table data by key, no topology, no statistics.
        web_tables_enabled=False, web_router_enabled=False, web_stats_enabled=False,
        web_graph_enabled=False, web_metrics_enabled=False,
    )
    drop_builtin_web_views(app)  # the index at "/" has no setting of its own
    status = DeliveryStatus()
    if settings.faust_sensor:
        _install_faust_metrics(app, registry)
    _install_pages(app, registry, status)
    metrics = WorkerMetrics(registry)
    topics: dict[str, Any] = {
        name: _raw_topic(app, name)
        for name in [DEAD_LETTER_TOPIC, CANDIDATE_LEADS_TOPIC, CORRELATION_TOPIC,
                     LATE_EVENTS_TOPIC, *map(lead_topic, Agency)]
    }

    ours = ((APP_HEADER, settings.app_id.encode()),)
    sender = BatchSender(app.producer, headers={CORRELATION_TOPIC: ours,
                                               CANDIDATE_LEADS_TOPIC: ours})

    def send_for(agent: str) -> Callable[[Sequence[OutboundRecord]], Awaitable[None]]:
        """The agent's send: one record batch per topic partition (batch_send.py), returning
        once the broker confirmed every record (delivery.py)."""
        return Delivery(sender, agent=agent, metrics=metrics, status=status, clock=utc_now,
                        stopping=lambda: bool(app.should_stop),
                        abandon=exit_without_commit).send

    decoded = DecodedEvents()  # the intake's envelopes, for this worker's correlate lanes
    activity = IntakeActivity()  # whether the intake is caught up (the tick timer asks)
    limits = IntakeLimits(event_time=settings.event_time_limits,
                          event_dedup_horizon=settings.event_dedup_horizon,
                          event_dedup_max_ids=settings.event_dedup_max_ids,
                          dead_letter_prefix_bytes=settings.dead_letter_prefix_bytes)

    @app.task  # type: ignore[untyped-decorator]
    async def intake() -> None:
        """The feeds: batches from the intake's own consumer, not a Faust agent
        (``stream_apps/feed_intake.py`` says why)."""
        stage = IntakeStage(metrics=metrics, clock=utc_now, limits=limits,
                            watchlist_topic=settings.watchlist_state_topic, decoded=decoded)
        consumer = FeedConsumer(access, topics=feed_topics(), group=intake_group(settings.app_id),
                                instance=settings.group_instance("intake"),
                                reset=settings.auto_offset_reset,
                                max_records=settings.batch_size,
                                session_timeout=settings.session_timeout)
        backlog = Backlog(consumer, feed_topics(), reset=settings.auto_offset_reset)
        try:
            await run_intake(consumer, stage, backlog, send=send_for("intake"), metrics=metrics,
                             within=settings.batch_within, stopping=lambda: bool(app.should_stop),
                             activity=activity)
        except Exception as exc:  # the worker must not go on without its intake
            log.exception("the intake stopped: %r", exc)
            await app.crash(exc)

    dispatcher: list[DispatchStage] = []

    @app.agent(topics[CANDIDATE_LEADS_TOPIC], name="dispatch")
    async def dispatch(stream: Any) -> AsyncIterator[None]:
        stage = DispatchStage(
            subscriptions=SubscriptionsView(access, settings.subscriptions_topic),
            silences=SilencesView(access, settings.silences_topic),
            groups=GroupStateLog(access, settings.dispatch_groups_topic,
                                 app_id=settings.app_id),
            audit=AuditLog(access, topic=settings.audit_topic, input_topic=CANDIDATE_LEADS_TOPIC,
                           group=settings.app_id,
                           dedup_horizon=dt.timedelta(seconds=settings.dedup_horizon)),
            audit_key=audit_key(settings), metrics=metrics, clock=utc_now,
            contact=settings.release_contact)
        dispatcher.append(stage)
        async for events in stream.take_events(settings.batch_size, within=settings.batch_within):
            with metrics.batch_seconds.labels("dispatch").time():
                metrics.batch_records.labels("dispatch").observe(len(events))
                records = _own(events, settings.app_id, metrics)
                await retry_while_down(partial(stage.handle, records), dependency="kafka",
                                       metrics=metrics)
            yield None

    @app.timer(interval=GROUPING_EVERY)  # type: ignore[untyped-decorator]
    async def dispatch_held() -> None:
        """Held revisions go out when their grouping interval ends (wall clock), in the
        internal.leads partitions this worker is assigned, even when no lead arrives."""
        if not dispatcher:
            return
        assigned = [tp.partition for tp in app.consumer.assignment()
                    if tp.topic == CANDIDATE_LEADS_TOPIC]
        try:
            await dispatcher[0].flush_due(assigned)
        except DependencyUnavailableError as exc:  # tried again at the next tick
            log.warning("held revisions wait: %s", exc)

    @app.on_partitions_revoked.connect
    def forget_dispatch(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        revoked = args[0] if args else kwargs.get("revoked", ())
        mine = [tp.partition for tp in revoked if tp.topic == CANDIDATE_LEADS_TOPIC]
        for stage in dispatcher:
            stage.revoked(mine)

    _add_correlation(app, settings, access, metrics, topics, send_for("correlate"), decoded,
                     activity)
    return app


def _add_correlation(
    app: faust.App, settings: WorkerSettings, access: KafkaAccess, metrics: WorkerMetrics,
    topics: dict[str, Any], send: Callable[[Sequence[OutboundRecord]], Awaitable[None]],
    decoded: DecodedEvents, activity: IntakeActivity,
) -> None:
    """The correlate agent: the rule set over valid events, in batches, one engine per
    partition of the correlation topic, state in a Faust table co-partitioned with it
    (changelog-backed, so a restarted or rebalanced worker resumes); the tick timer; and the
    rule-sets agent that swaps in a newly published rule set without a restart."""
    table = app.Table("correlation-state", default=None, partitions=CORRELATION_PARTITIONS)
    check_changelog_codec(table)
    stores: dict[int, PartitionStore] = {}
    rules, source = initial_rule_set(access=access,
                                     topic=settings.rules_topic, rules_dir=Path(settings.rules_dir))
    runtime = RuleRuntime(rules, source, dt.timedelta(seconds=settings.allowed_lateness))
    runtime.compiled()  # now, not in the first batch of events
    metrics.rule_set_loads.labels("start").inc()
    log.info("loaded %d rules from %s (rule set %s)", len(rules.rules), source,
             rules.digest[:12])
    stages: list[CorrelationStage] = []

    def store_for(partition: int) -> PartitionStore:
        if partition not in stores:
            stores[partition] = PartitionStore(table_local_dict(table),
                                               table.changelog_topic.get_topic_name(), partition)
        return stores[partition]

    @app.agent(topics[CORRELATION_TOPIC], name="correlate")
    async def correlate(stream: Any) -> AsyncIterator[None]:
        stage = CorrelationStage(
            runtime=runtime, metrics=metrics, clock=utc_now, store_for=store_for,
            partitions=CORRELATION_PARTITIONS, idle_after=settings.idle_after,
            seed=WatchlistSeed(access, settings.watchlist_state_topic), decoded=decoded)
        stages.append(stage)
        async for events in stream.take_events(settings.batch_size, within=settings.batch_within):
            with metrics.batch_seconds.labels("correlate").time():
                metrics.batch_records.labels("correlate").observe(len(events))
                records = _own(events, settings.app_id, metrics)
                out = await retry_while_down(partial(stage.handle, records),
                                             dependency="kafka", metrics=metrics)
                # State first: the changelog records of this batch are queued before its
                # leads, and all are confirmed before the batch's offsets can be committed.
                changelog = [r for store in stores.values() if store.pending
                             for r in store.flush()]
                metrics.changelog_records.inc(len(changelog))
                await send(changelog + out)
            yield None

    @app.on_partitions_revoked.connect
    def forget_revoked(sender: Any, /, *args: Any, signal: Any, **kwargs: Any) -> None:
        revoked = args[0] if args else kwargs.get("revoked", ())
        mine = [tp.partition for tp in revoked if tp.topic == CORRELATION_TOPIC]
        for stage in stages:
            stage.forget(mine)

    @app.agent(_raw_topic(app, settings.rules_topic), name="rule-sets")
    async def rule_sets(stream: Any) -> AsyncIterator[None]:
        async for value in stream:
            try:
                new, published = decode_rule_set(value)
            except (ValidationError, ConfigurationError) as exc:
                log.error("refused a rule set published on %s: %s", settings.rules_topic, exc)
                metrics.rule_set_loads.labels("refused").inc()
            else:
                if new.digest != runtime.rules.digest:
                    runtime.swap(new, source=f"{settings.rules_topic} ({published.source})")
                    metrics.rule_set_loads.labels("reload").inc()
                else:
                    log.info("rule set %s on %s (from %s) is the one running: kept",
                             new.digest[:12], settings.rules_topic, published.source)
            yield None

    ours = [(APP_HEADER, settings.app_id.encode())]

    @app.timer(interval=TICK_EVERY)  # type: ignore[untyped-decorator]
    async def tick() -> None:
        """Idle lanes' event time moves on with the wall clock, but only while the intake is
        caught up (``IntakeActivity``): a held intake has events still to come."""
        if not activity.caught_up(within=TICK_EVERY + 2 * settings.batch_within):
            return
        key, value = tick_record()
        for partition in range(CORRELATION_PARTITIONS):
            await topics[CORRELATION_TOPIC].send(key=key, value=value, partition=partition,
                                                 headers=ours)


TICK_EVERY = 1.0  # seconds between tick records
GROUPING_EVERY = 1.0  # seconds between looks for held revisions that are due
EXIT_UNDELIVERED = 3


def exit_without_commit(what: str) -> NoReturn:
    """Stop the process now, before Faust's shutdown commits offsets past outputs the broker
    has not confirmed; their input is read again at the next start."""
    log.critical("stopping with outputs the broker has not confirmed (%s): exiting without "
                 "committing their input, which the next start reads again", what)
    logging.shutdown()
    os._exit(EXIT_UNDELIVERED)


def _install_faust_metrics(app: faust.App, registry: CollectorRegistry) -> None:
    """Faust's own sensor (messages, commits, rebalances, send latency) on the same /metrics.

    Faust names one histogram ``faust_events_runtime_ms``; Prometheus wants base units and
    ``promtool check metrics`` rejects it, so it is left out: ``fusion_batch_duration_seconds``
    measures the same work.
    """
    faust_metrics = FaustMetrics.create(registry, "faust")
    registry.unregister(faust_metrics.events_runtime_latency)
    app.monitor = PrometheusMonitor(metrics=faust_metrics)


def _install_pages(app: faust.App, registry: CollectorRegistry, status: DeliveryStatus) -> None:
    """The worker's only pages: /metrics (the registry: the project's metrics, and Faust's
    sensor when it is on) and /healthz (200 "ok", or 503 naming the agents whose outputs
    the broker refuses)."""

    @app.page("/metrics")
    async def metrics_page(self: Any, request: Any) -> Any:
        return Response(body=generate_latest(registry), status=200,
                        headers={"Content-Type": CONTENT_TYPE_LATEST})

    @app.page("/healthz")
    async def health_page(self: Any, request: Any) -> Any:
        blocked = status.describe()
        return Response(text="\n".join(blocked or ["ok"]) + "\n",
                        status=503 if blocked else 200, content_type="text/plain")


def _raw_topic(app: faust.App, *names: str) -> faust.TopicT:
    """Bytes in, bytes out: decoding is the stages' job, so a bad record reaches them whole."""
    return app.topic(*names, key_serializer="raw", value_serializer="raw")


def _inbound(event: Any) -> InboundRecord:
    message = event.message
    timestamp = message.timestamp
    return InboundRecord(
        origin=RecordOrigin(
            topic=message.topic, partition=message.partition, offset=message.offset,
            timestamp_ms=int(timestamp * 1000) if timestamp else None, key=message.key,
        ),
        value=message.value,
        source=_header(message.headers, SOURCE_HEADER),
        primary=_header(message.headers, SHARE_HEADER) != "secondary",
        app=_header(message.headers, APP_HEADER),
        recall_to=_header(message.headers, RECALL_HEADER),
    )


def _own(events: Sequence[Any], app_id: str, metrics: WorkerMetrics) -> list[InboundRecord]:
    """The internal records of ``events`` this app wrote, or that name no writer (an
    operator's, a test's); those of another app id are counted and skipped."""
    records = [_inbound(e) for e in events]
    mine = [r for r in records if r.app is None or r.app == app_id]
    if len(mine) < len(records):
        for record in records:
            if record.app is not None and record.app != app_id:
                metrics.foreign_records.labels(record.origin.topic).inc()
    return mine


def _header(headers: Any, name: str) -> str | None:
    """A header's text; Faust gives headers as a list of pairs or a mapping."""
    pairs = headers.items() if isinstance(headers, dict) else (headers or ())
    for key, value in pairs:
        if key == name and value is not None:
            return value.decode() if isinstance(value, bytes) else str(value)
    return None
