"""``fusion evaluate``: run the corridor scenario through the live pipeline and compare the
leads the agencies receive with its ground truth (``producers.scenario.evaluation``)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from tqdm import tqdm

from adapters.kafka import evaluation_reader as kafka
from adapters.kafka.access import KafkaAccess, kafka_access
from adapters.kafka.subscriptions import put_subscription, read_subscriptions
from adapters.kafka.topics import create_topics
from adapters.kafka.worker_groups import remove_worker_group, start_group_at_end
from cli.commands.arguments import aware_time
from cli.commands.evaluate_report import render_markdown, render_text
from cli.commands.evaluate_worker import (
    OwnWorker,
    new_app_id,
    required_skew,
    scenario_end,
    start_worker,
    stop_worker,
)
from fusion.contract import (
    CANDIDATE_LEADS_TOPIC,
    CORRELATION_TOPIC,
    LATE_EVENTS_TOPIC,
    Agency,
    OwnTopics,
    feed_topics,
    lead_topic,
)
from fusion.contract.principals import ADMIN, intake_group
from fusion.errors import ConfigurationError, DependencyUnavailableError
from leads.subscriptions import Subscription
from producers.scenario import (
    CorridorScenario,
    Item,
    default_start,
    demo_subscriptions,
    planted_size,
)
from producers.scenario.corridor import MIN_BACKGROUND_PER_CHUNK
from producers.scenario.evaluation import Report, evaluate
from producers.simulator import SimulatorSettings, run_corridor
from stream_apps.settings import WorkerSettings

DESCRIPTION = """Measure lead quality: the corridor scenario through a worker, scored.

What it does: starts a worker of its own ('fusion worker' with its own FUSION_APP_ID
fusion-worker-evaluate-<run>, Redis prefix and web port, reading what is published from now),
subscribes the demo agencies on its own subscriptions topic (as 'fusion subscriptions
seed-demo' does on the shared one), notes
the end of every leads.<agency> topic, publishes the corridor scenario ('fusion simulate
--scenario corridor': background traffic with one pattern of every catalogue rule planted per
chunk of 5000 events) at --rate events/s, reads the agency topics until every expected lead
has arrived or --settle seconds pass with no new lead while the worker has no backlog, then
stops the worker and removes its consumer group and Faust topics.
Absence rules fire hours of event time after their last event, so when a record's due_by
(fires_at + --lateness) lies past the scenario's end, a sparse background tail (nothing
planted, 12 events per simulated hour) follows at the same rate until event time passes it.

Event time: the scenario compresses about 40 hours of event time per 5000 events into
minutes of wall time, so its events lie far ahead of the clock, and a worker refuses events
more than FUSION_MAX_CLOCK_SKEW (default 300 s) ahead (dead letters 'event-in-future'). The
own worker gets a FUSION_MAX_CLOCK_SKEW covering the scenario's span (the report header says
how much); the scenario starts an hour or more ahead, so a worker of another app id running
on the same broker dead-letters all of its feed events as event-in-future (expect those in
feeds.dlq) and skips the internal records the own worker writes (they carry its app id).
With --worker-group APP_ID it runs through that running worker instead, which must have
been started with at least the FUSION_MAX_CLOCK_SKEW printed.

What is compared: each ground-truth record (a finding a planted pattern should produce: rule
id, evidence event ids, who may and who may not receive it) with the leads received.
  recall           records found / records. Found = some lead has a rule hit with the
                   record's rule id and evidence that includes all the record's events.
  precision        distinct lead ids that match a record / distinct lead ids received.
                   Background traffic is built never to lead, so every other lead is noise.
                   Leads with no evidence from this run (another producer's, or an earlier
                   run's window closing now) are counted as foreign, in neither number.
  duplicates       records matched by more than one lead id (one activity, several leads;
                   revisions of one lead id are one lead). Should be 0.
  wrong recipients a matching lead delivered to an agency its handling withholds, or that is
                   not among the expected recipients. Must be 0.
  missed recip.    an expected recipient of a found record that got no lead for it.
  latency          receive time of the first matching lead minus the publish time of the
                   pattern's last planted event (wall seconds; p50, p95, max). Stateful rules
                   wait for the watermark, so this includes the worker's allowed lateness
                   in event time, compressed by the publish rate.
Missed records are listed with their rule id and evidence ids, and with what can explain them:
planted events the worker sent to internal.late-events, planted events that never reached
internal.events, and leads resting on some of the planted events ("near leads", e.g. the
rule fired on part of the pattern, or another rule took the events).

Exit status: 0 when recall >= --min-recall and no wrong-recipient delivery, 1 otherwise, 2 on
a usage or connection error, or when the own worker does not start (its log is named)."""

TAIL_SEED = 1_000_003  # the tail's seed offset: its entities and event ids are its own
TAIL_PER_HOUR = 12.0  # background events per simulated hour in the tail
TAIL_CHUNK = 500
TAIL_MARGIN = dt.timedelta(hours=1)  # event time past the last due_by
BACKLOG_EVERY = 2.0  # seconds between looks at the worker's consumer-group lag
BUSY_BACKLOG = 50  # records behind (ticks arrive every second) that count as catching up
WORKER_INTERNAL = (CORRELATION_TOPIC, CANDIDATE_LEADS_TOPIC)  # the worker's inputs besides feeds
AHEAD = dt.timedelta(hours=2)  # the own worker's scenario starts this far past the hour

EPILOG = """examples:
  fusion evaluate                                  5000 events at 100/s, about a minute
  fusion evaluate --events 20000 --rate 400 --json report.json
  fusion evaluate --events 300 --rate 50 --settle 20 --markdown report.md
  fusion evaluate --worker-group fusion-worker     through the running worker (see above)"""


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "evaluate", help="run the corridor scenario through the pipeline and score the leads",
        description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000, metavar="N",
                        help=f"events to publish (default 5000 = one chunk; at least "
                             f"{planted_size() + MIN_BACKGROUND_PER_CHUNK} to plant every rule)")
    parser.add_argument("--rate", type=float, default=100.0,
                        help="events per second of wall time (default 100)")
    parser.add_argument("--seed", type=int, default=None,
                        help="scenario seed (default: the start hour's number since 1970, so "
                             "repeated runs on one worker never reuse event ids or entities; "
                             "the report header names seed and start to repeat a run)")
    parser.add_argument("--start", type=aware_time, default=None, metavar="ISO",
                        help="event time of the first event (default: two hours past the "
                             "last full hour, so that a running worker with the default "
                             "FUSION_MAX_CLOCK_SKEW takes none of the scenario; with "
                             "--worker-group, the next hour past the newest event time on "
                             "internal.events plus the idle time since, so that worker's "
                             "watermark never makes it late)")
    parser.add_argument("--lateness", type=float, default=600.0, metavar="SECONDS",
                        help="the worker's FUSION_ALLOWED_LATENESS, for due_by in the ground "
                             "truth (default 600)")
    parser.add_argument("--settle", type=float, default=30.0, metavar="SECONDS",
                        help="after the last publish, stop once this long passes with no new "
                             "lead and no worker backlog (default 30)")
    parser.add_argument("--worker-group", default=None, metavar="APP_ID",
                        help="run through the running worker of this FUSION_APP_ID instead of "
                             "an own one; it needs the FUSION_MAX_CLOCK_SKEW printed and "
                             "FUSION_ALLOWED_LATENESS = --lateness, and shares this "
                             "command's FUSION_REDIS_PREFIX. While a worker has a backlog on "
                             "the feeds or internal topics, --settle does not count down")
    parser.add_argument("--min-recall", type=float, default=0.95,
                        help="exit 1 below this recall (default 0.95)")
    parser.add_argument("--json", type=Path, default=None, metavar="FILE",
                        help="write the full report (every record's outcome) as JSON")
    parser.add_argument("--markdown", type=Path, default=None, metavar="FILE",
                        help="write the summary and the missed records as Markdown")
    parser.add_argument("--ground-truth", type=Path, default=None, metavar="FILE",
                        help="also write the ground-truth records (JSON Lines)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    smallest = planted_size() + MIN_BACKGROUND_PER_CHUNK
    if args.events < smallest:
        raise ConfigurationError(f"--events {args.events} plants nothing; use at least "
                                 f"{smallest}")
    if args.rate <= 0 or args.settle <= 0:
        raise ConfigurationError("--rate and --settle must be above 0")
    settings = SimulatorSettings(simulator_metrics_port=0)
    admin = kafka_access(settings, ADMIN)
    create_topics(admin)
    scan = kafka.open_consumer(admin)
    leads = kafka.open_consumer(admin)
    now = dt.datetime.now(dt.UTC)
    try:
        if args.worker_group:
            start = args.start or kafka.clear_start(scan, now)
        else:  # an hour ahead at least: a worker with the default skew takes none of it
            start = args.start or default_start(now) + AHEAD
        seed = args.seed if args.seed is not None else int(start.timestamp()) // 3600
        lateness = dt.timedelta(seconds=args.lateness)
        end = scenario_end(CorridorScenario(seed, start=start, lateness=lateness),
                           events=args.events, tail_margin=TAIL_MARGIN,
                           tail_step=_tail_step(args.rate))
        skew = required_skew(end, now)
        header = f"--seed {seed} --start {start:%Y-%m-%dT%H:%MZ}, {args.events} events at " \
                 f"{args.rate:g}/s, event time to {end:%Y-%m-%dT%H:%MZ}"
        if args.worker_group:
            print(f"fusion evaluate: through worker group {args.worker_group}: it needs "
                  f"FUSION_MAX_CLOCK_SKEW >= {skew:g} (the scenario's events reach "
                  f"{(end - now).total_seconds() / 3600:.1f} h past now; with less its "
                  "intake dead-letters them as event-in-future)", file=sys.stderr)
            report = _through(args, settings, args.worker_group, settings.redis_prefix,
                              seed=seed, start=start, scan=scan, leads=leads)
            header += f"; through worker group {args.worker_group} (needs " \
                      f"FUSION_MAX_CLOCK_SKEW >= {skew:g})"
        else:
            report, app_id = _with_own_worker(args, settings, skew, seed=seed, start=start,
                                              scan=scan, leads=leads)
            header += f"; own worker {app_id} with FUSION_MAX_CLOCK_SKEW={skew:g}"
    finally:
        scan.close()
        leads.close()
    print(render_text(report, header=header, min_recall=args.min_recall))
    if args.json:
        args.json.write_text(report.model_dump_json(indent=2) + "\n", encoding="utf-8")
    if args.markdown:
        args.markdown.write_text(render_markdown(report, min_recall=args.min_recall),
                                 encoding="utf-8")
    failed = (report.recall or 0.0) < args.min_recall or bool(report.wrong_recipients)
    return 1 if failed else 0


def _with_own_worker(args: argparse.Namespace, settings: SimulatorSettings, skew: float, *,
                     seed: int, start: dt.datetime, scan: Any, leads: Any) -> tuple[Report, str]:
    """Start a worker for this run only, run the scenario through it, stop and remove it."""
    app_id = new_app_id()
    admin = kafka_access(settings, ADMIN)
    own = OwnTopics(app_id)
    create_topics(admin, own.specs())
    start_group_at_end(admin, intake_group(app_id), feed_topics())
    start_group_at_end(admin, app_id, WORKER_INTERNAL)
    worker = start_worker(app_id=app_id, topics=own, max_clock_skew=skew,
                          lateness=args.lateness,
                          run_dir=Path(os.environ.get("FUSION_RUN_DIR", ".run")))
    print(f"fusion evaluate: own worker {app_id} (web port {worker.web_port}, "
          f"FUSION_MAX_CLOCK_SKEW={skew:g}, log {worker.log})", file=sys.stderr)
    try:
        report = _through(args, settings, app_id, worker.redis_prefix, seed=seed,
                          start=start, scan=scan, leads=leads, worker=worker)
    finally:
        stop_worker(worker)
        remove_worker_group(admin, app_id, also=[spec.name for spec in own.specs()])
    return report, app_id


def _through(args: argparse.Namespace, settings: SimulatorSettings, group: str, prefix: str,
             *, seed: int, start: dt.datetime, scan: Any, leads: Any,
             worker: OwnWorker | None = None) -> Report:
    topic = worker.topics.subscriptions if worker is not None else \
        WorkerSettings().subscriptions_topic
    subscriptions = _install_demo_subscriptions(kafka_access(settings, ADMIN), topic)
    scenario = CorridorScenario(seed, start=start, subscriptions=subscriptions,
                                lateness=dt.timedelta(seconds=args.lateness))
    return _run(args, settings, scenario, scan, leads, group=group, worker=worker)


def _run(args: argparse.Namespace, settings: SimulatorSettings, scenario: CorridorScenario,
         scan: Any, leads: Any, *, group: str, worker: OwnWorker | None) -> Report:
    side = kafka.end_offsets(scan, [LATE_EVENTS_TOPIC, CORRELATION_TOPIC])
    collector = kafka.LeadCollector(leads, kafka.end_offsets(leads, [lead_topic(a)
                                                                     for a in Agency]))
    published = _Published(collector, scenario.start)
    with tqdm(total=args.events, desc="publish", unit="ev", file=sys.stderr,
              disable=None) as published.bar:
        run_corridor(settings, scenario, rate=args.rate, total=args.events,
                     ground_truth=None, on_delivered=published.delivered)
    if args.ground_truth:
        args.ground_truth.write_text("".join(_json_line(t) for t in published.truths),
                                     encoding="utf-8")
    _publish_tail(args, settings, scenario, published)
    truths, at = published.truths, published.at
    backlog = kafka.WorkerBacklog(kafka_access(settings, ADMIN), group)
    try:
        report = _settle(collector, backlog, scan, truths, at, settle=args.settle,
                         worker=worker)
    finally:
        backlog.close()
    if report.missed:
        late = kafka.event_keys(scan, {tp: o for tp, o in side.items()
                                       if tp.topic == LATE_EVENTS_TOPIC})
        seen = kafka.event_keys(scan, {tp: o for tp, o in side.items()
                                       if tp.topic == CORRELATION_TOPIC})
        report = evaluate(truths, collector.deliveries, at, late=late, correlated=seen)
    return report


class _Published:
    """What has been published: ground truth, publish times, the newest event time."""

    def __init__(self, collector: kafka.LeadCollector, start: dt.datetime) -> None:
        self.collector = collector
        self.truths: list[dict[str, Any]] = []
        self.at: dict[str, dt.datetime] = {}
        self.newest = start
        self.bar: Any = None
        self.until: dt.datetime | None = None
        self.stop = threading.Event()

    def delivered(self, batch: Sequence[Item]) -> None:
        now = dt.datetime.now(dt.UTC)
        for item in batch:
            self.at[item.event.key] = now
            self.truths.extend(t.to_json() for t in item.completes)
            self.newest = max(self.newest, item.event.occurred_at)
        if self.bar is not None:
            self.bar.update(len(batch))
        if self.until is not None and self.newest >= self.until:
            self.stop.set()
        self.collector.poll(0)


def _publish_tail(args: argparse.Namespace, settings: SimulatorSettings,
                  scenario: CorridorScenario, published: _Published) -> None:
    """Sparse background (nothing planted) until event time passes every record's due_by:
    absence rules fire hours after their last event, and the worker closes windows only
    when event time moves on."""
    due = max((dt.datetime.fromisoformat(t["due_by"]) for t in published.truths),
              default=published.newest)
    published.until = due + TAIL_MARGIN
    if published.newest >= published.until:
        return
    tail = CorridorScenario(scenario.seed + TAIL_SEED, start=published.newest,
                            per_hour=TAIL_PER_HOUR, chunk_events=TAIL_CHUNK, plant=False)
    with tqdm(desc="tail (moves event time past due_by)", unit="ev", file=sys.stderr,
              disable=None) as published.bar:
        run_corridor(settings, tail, rate=args.rate, total=None, ground_truth=None,
                     stop=published.stop, on_delivered=published.delivered)


def _settle(collector: kafka.LeadCollector, backlog: kafka.WorkerBacklog, scan: Any,
            truths: list[dict[str, Any]], published_at: dict[str, dt.datetime], *,
            settle: float, worker: OwnWorker | None) -> Report:
    """Read leads until all expected ones are in, or ``settle`` seconds bring no new lead
    while the worker has no backlog (a worker still catching up keeps the wait going)."""
    report = evaluate(truths, collector.deliveries, published_at)
    quiet_since = checked = time.monotonic()
    with tqdm(total=report.records, initial=report.found, desc="leads", unit="found",
              file=sys.stderr, disable=None) as bar:
        while not report.complete and time.monotonic() - quiet_since < settle:
            if worker is not None and not worker.alive:
                raise DependencyUnavailableError(
                    "fusion evaluate's own worker", str(worker.log),
                    f"it exited with {worker.proc.returncode}; its log ends:\n"
                    f"{worker.log_tail()}")
            if collector.poll(0.5):
                quiet_since = time.monotonic()
                report = evaluate(truths, collector.deliveries, published_at)
                bar.update(report.found - bar.n)
            if time.monotonic() - checked >= BACKLOG_EVERY:
                checked = time.monotonic()
                behind = backlog.records(scan)
                bar.set_postfix(worker_backlog=behind)
                if behind is not None and behind > BUSY_BACKLOG:
                    quiet_since = checked
    return report


def _install_demo_subscriptions(access: KafkaAccess, topic: str) -> list[Subscription]:
    """Subscribe the demo agencies on ``topic``; return every subscription the worker reading
    it will route by."""
    for sub in demo_subscriptions():
        put_subscription(access, topic, sub)
    return list(read_subscriptions(access, topic))


def _tail_step(rate: float) -> dt.timedelta:
    """How far one batch of the tail can take event time past its stop (the publisher sends
    rate/10 events per batch)."""
    return dt.timedelta(hours=(max(1, int(rate // 10)) + 1) / TAIL_PER_HOUR)


def _json_line(record: dict[str, Any]) -> str:
    return json.dumps(record, sort_keys=True, ensure_ascii=False) + "\n"
