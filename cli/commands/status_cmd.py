"""``fusion status``: one line of what the running worker has done, read from its /metrics:
events taken in, leads made, leads sent per agency, dead letters and late events."""

from __future__ import annotations

import argparse
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client.parser import text_string_to_metric_families

from fusion.errors import ConfigurationError, DependencyUnavailableError

EXAMPLES = """examples:
  fusion status                 one line, then exit
  fusion status --watch         a line every 2 s until Ctrl-C (make demo shows this)
  FUSION_WEB_PORT=6067 fusion status   a worker on another port
"""


@dataclass(frozen=True)
class Snapshot:
    """Counter totals read from one scrape of the worker."""

    events: float = 0.0
    leads: float = 0.0
    dead_letters: float = 0.0
    late: float = 0.0
    sent: dict[str, float] = field(default_factory=dict)


def register(commands: Any) -> None:
    parser = commands.add_parser(
        "status", help="events, leads per agency and dead letters of the running worker",
        description="Read the worker's Prometheus page (FUSION_WEB_HOST:FUSION_WEB_PORT,\n"
                    "default 127.0.0.1:6066) and print one line: valid events taken in,\n"
                    "leads made, lead revisions sent per agency (confirmed by the broker),\n"
                    "dead letters and late event shares (an event has one share per\n"
                    "correlation partition owning one of its keys), with the event rate.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--watch", action="store_true", help="repeat until Ctrl-C")
    parser.add_argument("--interval", type=float, default=2.0, metavar="SECONDS",
                        help="seconds between lines with --watch (default 2)")
    parser.add_argument("--url", default=None,
                        help="metrics page (default http://FUSION_WEB_HOST:FUSION_WEB_PORT/metrics)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from stream_apps.settings import WorkerSettings

    if args.interval <= 0:
        raise ConfigurationError("--interval must be above 0")
    if args.url is None:
        settings = WorkerSettings()
        args.url = f"http://{settings.web_host}:{settings.web_port}/metrics"
    before, at = scrape(args.url), time.monotonic()
    print(status_line(before, None, 0.0), flush=True)
    while args.watch:
        try:
            time.sleep(args.interval)  # the cadence of the line, not a wait for a condition
        except KeyboardInterrupt:
            return 0
        try:
            now = scrape(args.url)
        except DependencyUnavailableError as exc:
            print(f"worker not answering: {exc}", file=sys.stderr, flush=True)
            continue
        elapsed, at = time.monotonic() - at, time.monotonic()
        print(status_line(now, before, elapsed), flush=True)
        before = now
    return 0


def scrape(url: str) -> Snapshot:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - our own page
            text = response.read().decode()
    except (urllib.error.URLError, OSError) as exc:
        raise DependencyUnavailableError(
            "the worker's metrics", url, f"{exc}; is 'fusion worker' running?") from exc
    return parse(text)


def parse(text: str) -> Snapshot:
    """The totals of the counters this line shows, from a Prometheus text page."""
    totals: dict[str, float] = {}
    sent: dict[str, float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if not sample.name.endswith("_total"):
                continue
            totals[sample.name] = totals.get(sample.name, 0.0) + sample.value
            if sample.name == "fusion_dispatch_decisions_total" and \
                    sample.labels.get("outcome") == "sent":
                agency = sample.labels.get("agency", "?")
                sent[agency] = sent.get(agency, 0.0) + sample.value
    return Snapshot(events=totals.get("fusion_events_valid_total", 0.0),
                    leads=totals.get("fusion_leads_generated_total", 0.0),
                    dead_letters=totals.get("fusion_dead_letters_total", 0.0),
                    late=totals.get("fusion_late_events_total", 0.0),
                    sent=sent)


def status_line(now: Snapshot, before: Snapshot | None, elapsed: float) -> str:
    def rate(value: float, old: float) -> str:
        if before is None or elapsed <= 0:
            return ""
        return f" ({(value - old) / elapsed:,.1f}/s)"

    agencies = _by_count(now.sent.items())
    sent = ", ".join(f"{agency} {count:,.0f}" for agency, count in agencies) or "none yet"
    return (f"events {now.events:,.0f}{rate(now.events, before.events if before else 0)}"
            f" | leads {now.leads:,.0f} | sent: {sent}"
            f" | dead letters {now.dead_letters:,.0f} | late shares {now.late:,.0f}")


def _by_count(items: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
    return sorted((i for i in items if i[1] > 0), key=lambda i: (-i[1], i[0]))
