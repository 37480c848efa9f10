"""``fusion status``: the worker's own metrics page, read back into one line."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, generate_latest

from cli.commands.status_cmd import Snapshot, parse, status_line
from stream_apps.metrics import WorkerMetrics


def _page(sent: dict[str, int], *, events: int, leads: int, dead: int) -> str:
    registry = CollectorRegistry()
    metrics = WorkerMetrics(registry)
    metrics.events_valid.labels("poe-crossings").inc(events - 1)
    metrics.events_valid.labels("lpr").inc(1)
    metrics.leads_generated.labels("vehicles").inc(leads)
    metrics.dead_letters.labels("schema-violation").inc(dead)
    for agency, count in sent.items():
        metrics.dispatch_decisions.labels(agency, "sent").inc(count)
        metrics.dispatch_decisions.labels(agency, "not-releasable").inc(7)  # withheld: not sent
    return generate_latest(registry).decode()


def test_the_page_s_counters_are_summed_over_their_labels() -> None:
    snapshot = parse(_page({"HSI": 3, "GN": 1}, events=40, leads=5, dead=2))
    assert snapshot.events == 40
    assert snapshot.leads == 5
    assert snapshot.dead_letters == 2
    assert snapshot.sent == {"HSI": 3, "GN": 1}


def test_the_line_orders_agencies_by_leads_sent_and_gives_the_rate() -> None:
    before = Snapshot(events=100)
    now = Snapshot(events=150, leads=4, dead_letters=1, late=0, sent={"GN": 1, "HSI": 3})
    line = status_line(now, before, 10.0)
    assert line == ("events 150 (5.0/s) | leads 4 | sent: HSI 3, GN 1 | dead letters 1"
                    " | late shares 0")


def test_the_first_line_has_no_rate_and_says_when_nothing_was_sent() -> None:
    assert status_line(Snapshot(), None, 0.0) == (
        "events 0 | leads 0 | sent: none yet | dead letters 0 | late shares 0")
