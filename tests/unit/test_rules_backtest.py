"""``leads.backtest`` (pure replay and comparison) and the report of ``fusion rules backtest``."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.machinery
import io
import shutil
import sys
import types
from pathlib import Path

import pytest

from adapters.kafka.feed_history import FeedRead
from cli.commands.arguments import since_argument as _since
from cli.commands.rules_backtest_cmd import progress_reporter, report_lines
from fusion.contract import Document, EventEnvelope, Location, Person, Port, feed_topic
from leads.backtest import EventCollector, compare, replay
from producers.events import bulk_cash_event, sensor_alert_event
from rules.loader import RuleSet, load_catalogue
from tests.factories import T0

CATALOGUE = Path(__file__).parents[2] / "rules" / "catalogue"
DAY = dt.timedelta(days=1)
CASH_RULE = "bulk-cash-structuring"
SENSOR_RULE = "ground-sensor-burst"


def cash(event_id: str, at: dt.datetime, number: str = "CHC482715") -> EventEnvelope:
    carrier = Document(document_type="border-crossing-card", number=number,
                       issuing_country="MEX", role="carrier")
    return bulk_cash_event(event_id=event_id, location=Location(port=Port.US_EL_PASO_PDN),
                           occurred_at=at, amount=9000,
                           entities=[Person(name="Ortega Ruiz, Ana", role="carrier"), carrier])


def sensor(event_id: str, at: dt.datetime, count: int) -> EventEnvelope:
    return sensor_alert_event(event_id=event_id, location=Location(port=Port.US_EL_PASO_PDN),
                              occurred_at=at, sensor_id="UGS-1", corridor_segment="AZ-07",
                              kind="seismic", count=count)


EVENTS = [
    cash("b1", T0), cash("b2", T0 + DAY),              # two reports: only count 2 fires
    cash("c1", T0, "XYZ1"), cash("c2", T0 + DAY, "XYZ1"), cash("c3", T0 + 2 * DAY, "XYZ1"),
    sensor("s8", T0 + dt.timedelta(hours=1), 8),       # fires at gte 5, not at gte 9
    sensor("s12", T0 + dt.timedelta(hours=2), 12),     # fires under both
]


@pytest.fixture(scope="module")
def current() -> RuleSet:
    return load_catalogue(CATALOGUE)


@pytest.fixture(scope="module")
def candidate(tmp_path_factory: pytest.TempPathFactory) -> RuleSet:
    """The catalogue with the cash threshold lowered to 2 and the sensor burst raised to 9."""
    root = tmp_path_factory.mktemp("candidate") / "catalogue"
    shutil.copytree(CATALOGUE, root)
    _edit(root / "cash" / f"{CASH_RULE}.yaml", "count: 3", "count: 2")
    _edit(root / "sensors" / f"{SENSOR_RULE}.yaml", "gte: 5", "gte: 9")
    return load_catalogue(root)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{path} should hold {old!r} once"
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_replay_finds_what_each_rule_set_fires(current: RuleSet, candidate: RuleSet) -> None:
    now, then = replay(EVENTS, current), replay(EVENTS, candidate)
    assert sorted((s.rule_id, s.anchors[:3]) for s in now.values()) == [
        (CASH_RULE, ("CBP-OFO/c1", "CBP-OFO/c2", "CBP-OFO/c3")),
        (SENSOR_RULE, ("USBP/s12",)),
        (SENSOR_RULE, ("USBP/s8",)),
    ]
    # count 2 fires on b1+b2 and on c1+c2 (c3 falls inside the fired window: no repeat)
    assert sorted((s.rule_id, s.anchors[:2]) for s in then.values()) == [
        (CASH_RULE, ("CBP-OFO/b1", "CBP-OFO/b2")),
        (CASH_RULE, ("CBP-OFO/c1", "CBP-OFO/c2")),
        (SENSOR_RULE, ("USBP/s12",)),
    ]
    lead = next(s for s in now.values() if s.anchors[0] == "CBP-OFO/c1")
    assert (lead.first_event_at, lead.last_event_at) == (T0, T0 + 2 * DAY)
    assert lead.rule_version == 1
    assert lead.title.startswith("Repeated southbound cash reports by one carrier")
    assert lead.lead_id.startswith("L-")


def test_compare_sorts_leads_into_lost_new_and_same(current: RuleSet,
                                                     candidate: RuleSet) -> None:
    diff = compare(replay(EVENTS, current), replay(EVENTS, candidate),
                   rule_ids=[r.id for r in current.rules])
    assert [(s.rule_id, s.anchors[:3]) for s in diff.lost] == [
        (CASH_RULE, ("CBP-OFO/c1", "CBP-OFO/c2", "CBP-OFO/c3")),
        (SENSOR_RULE, ("USBP/s8",)),
    ]
    assert sorted((s.rule_id, s.anchors[:2]) for s in diff.new) == [  # both start at T0
        (CASH_RULE, ("CBP-OFO/b1", "CBP-OFO/b2")),
        (CASH_RULE, ("CBP-OFO/c1", "CBP-OFO/c2")),
    ]
    assert [s.anchors for s in diff.same] == [("USBP/s12",)]
    rows = {r.rule_id: (r.current, r.candidate, r.lost, r.new) for r in diff.rules}
    assert rows[CASH_RULE] == (1, 2, 1, 2)
    assert rows[SENSOR_RULE] == (2, 1, 1, 0)
    assert rows["port-runner"] == (0, 0, 0, 0)  # listed because rule_ids names it
    assert len(rows) == len(current.rules)
    assert diff.changed
    totals = diff.to_json()["totals"]
    assert totals == {"current": 3, "candidate": 3, "lost": 2, "new": 2, "same": 1}


def test_input_order_and_repeated_records_do_not_change_the_result(current: RuleSet) -> None:
    expected = replay(EVENTS, current)
    assert replay(list(reversed(EVENTS)), current) == expected
    shuffled = [EVENTS[i] for i in (4, 0, 6, 2, 5, 1, 3)]
    assert replay(shuffled + shuffled[:3], current) == expected  # a record delivered twice


def test_identical_rule_sets_differ_in_nothing(current: RuleSet) -> None:
    leads = replay(EVENTS, current)
    diff = compare(leads, dict(leads))
    assert not diff.changed
    assert (diff.lost, diff.new) == ((), ())
    assert len(diff.same) == len(leads) == 3
    assert all(r.lost == r.new == 0 and r.current == r.candidate for r in diff.rules)


def test_no_events_no_leads(current: RuleSet) -> None:
    assert replay([], current) == {}
    assert not compare({}, {}).changed


def test_the_collector_keeps_valid_events_and_counts_the_rest() -> None:
    event = sensor("s1", T0, 3)
    topic = feed_topic(event.agency, event.feed)
    collector = EventCollector(max_events=2)
    collector.add(event.model_dump_json().encode(), topic=topic)
    collector.add(b"{not json", topic=topic)
    collector.add(event.model_dump_json().encode(), topic="feeds.cbp-ofo.bulk-cash")
    collector.add(None, topic=topic)
    assert collector.events == [event]
    assert collector.records == 4
    assert dict(collector.invalid) == {"malformed-json": 2, "topic-mismatch": 1}
    assert not collector.full
    collector.add(event.model_dump_json().encode(), topic=topic)
    assert collector.full


def test_the_report_names_rules_and_differing_leads(current: RuleSet,
                                                    candidate: RuleSet) -> None:
    diff = compare(replay(EVENTS, current), replay(EVENTS, candidate),
                   rule_ids=[r.id for r in current.rules])
    read = FeedRead(events=EVENTS, records=9, invalid={"malformed-json": 2}, truncated=True,
                    topics=["feeds.cbp-ofo.bulk-cash", "feeds.usbp.sensor-alerts"])
    text = "\n".join(report_lines(read, diff, current=Path("cur"), candidate=Path("cand"),
                                  since=None))
    assert "Read 9 records from 2 feed topics: 7 events replayed, 2 invalid skipped " \
           "(2 malformed-json)" in text
    assert "WARNING: stopped at --max-events" in text
    assert "Leads: current 3, candidate 3, lost 2, new 2, same 1" in text
    row = next(line for line in text.splitlines() if line.startswith(CASH_RULE))
    assert row.split() == [CASH_RULE, "1", "2", "1", "2"]
    lost = text.split("Lost leads:")[1].split("New leads:")[0]
    assert "Burst of ground sensor activations: USBP/s8" in lost
    assert text.split("New leads:")[1].count(CASH_RULE) == 2


def test_since_takes_a_time_or_a_duration() -> None:
    assert _since("2026-11-20T14:00:00Z") == T0
    assert _since("2026-11-20T14:00:00") == T0  # no offset: UTC
    before = dt.datetime.now(dt.UTC)
    since = _since("7d")
    assert before - dt.timedelta(days=7) <= since < before - dt.timedelta(days=7, minutes=-1)
    with pytest.raises(argparse.ArgumentTypeError, match="neither a time"):
        _since("last tuesday")


def test_progress_without_tqdm_writes_a_line_every_half_second(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    ticks = iter([0.0, 0.2, 0.6, 0.7])
    stream = io.StringIO()
    with progress_reporter(stream, clock=lambda: next(ticks)) as progress:
        for done in (10, 20, 30, 40):
            progress(done, 40)
    assert stream.getvalue().splitlines() == [
        "read 10/40 records", "read 30/40 records", "read 40/40 records"]


def test_progress_uses_tqdm_when_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    bars: list[FakeBar] = []

    class FakeBar:
        def __init__(self, **kw: object) -> None:
            self.n, self.total, self.closed = 0, kw["total"], False
            bars.append(self)

        def update(self, step: int) -> None:
            self.n += step

        def close(self) -> None:
            self.closed = True

    module = types.ModuleType("tqdm")
    module.__spec__ = importlib.machinery.ModuleSpec("tqdm", None)
    module.tqdm = FakeBar  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tqdm", module)
    with progress_reporter(io.StringIO()) as progress:
        progress(5, 50)
        progress(50, 50)
    assert (bars[0].n, bars[0].total, bars[0].closed) == (50, 50, True)
