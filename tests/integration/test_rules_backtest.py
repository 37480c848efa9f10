"""``fusion rules backtest`` on the real broker: the reader gets back what was just published
(and skips the older records of the shared feed topics), and the command reports the lead
differences of a candidate rule set."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from adapters.kafka.feed_publisher import FeedPublisher
from cli.commands.rules_backtest_cmd import read_feed_topics
from fusion.contract import EventEnvelope, Location, Port, feed_topic
from producers.events import bulk_cash_event, sensor_alert_event
from tests.integration.conftest import FUSION, ROOT, Stack

pytestmark = pytest.mark.integration

CATALOGUE = ROOT / "rules" / "catalogue"
RULE = "ground-sensor-burst"
SENSOR_TOPIC = "feeds.usbp.sensor-alerts"


def _alert(run: str, name: str, count: int, at: dt.datetime) -> EventEnvelope:
    return sensor_alert_event(event_id=f"bt-{run}-{name}",
                              location=Location(port=Port.US_EL_PASO_PDN), occurred_at=at,
                              sensor_id="UGS-9", corridor_segment="AZ-07", kind="seismic",
                              count=count)


@pytest.fixture
def published(stack: Stack) -> tuple[str, dt.datetime, list[EventEnvelope]]:
    """Fresh events on two feed topics, and a time just before they were written."""
    run = uuid.uuid4().hex[:10]
    at = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(hours=1)
    events = [
        _alert(run, "a4", 4, at),                                  # fires only at gte 3
        _alert(run, "a6", 6, at + dt.timedelta(minutes=1)),        # fires under both
        _alert(run, "a1", 1, at + dt.timedelta(minutes=2)),        # fires under neither
        bulk_cash_event(event_id=f"bt-{run}-cash", location=Location(port=Port.US_EL_PASO_PDN),
                        occurred_at=at, amount=5000),
    ]
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=2)
    with FeedPublisher(stack.simulator, client_id="backtest-test") as publisher:
        publisher.publish(events)
    return run, since, events


def test_the_reader_returns_the_published_events_decoded(
        stack: Stack, published: tuple[str, dt.datetime, list[EventEnvelope]]) -> None:
    run, since, events = published
    topics = sorted({feed_topic(e.agency, e.feed) for e in events})
    calls: list[tuple[int, int]] = []
    read = read_feed_topics(stack.admin, topics, since=since, max_events=100_000,
                            progress=lambda done, total: calls.append((done, total)))
    ours = sorted((e for e in read.events if e.event_id.startswith(f"bt-{run}-")),
                  key=lambda e: e.event_id)
    assert ours == sorted(events, key=lambda e: e.event_id)
    assert read.topics == topics
    assert not read.truncated
    assert read.records >= len(events)
    assert calls, "the progress callback was never called"
    assert calls[-1][0] == calls[-1][1] == read.records


def test_the_command_reports_the_candidate_differences(
        stack: Stack, published: tuple[str, dt.datetime, list[EventEnvelope]],
        tmp_path: Path) -> None:
    run, since, _events = published
    candidate = tmp_path / "candidate"
    (candidate / "sensors").mkdir(parents=True)
    shutil.copy(CATALOGUE / "aliases.yaml", candidate / "aliases.yaml")
    text = (CATALOGUE / "sensors" / f"{RULE}.yaml").read_text(encoding="utf-8")
    assert "gte: 5" in text
    (candidate / "sensors" / f"{RULE}.yaml").write_text(text.replace("gte: 5", "gte: 3"),
                                                        encoding="utf-8")
    base = [FUSION, "rules", "backtest", "--candidate", str(candidate),
            "--since", since.isoformat(), "--topics", SENSOR_TOPIC]
    env = {**os.environ, "FUSION_KAFKA_BOOTSTRAP": stack.bootstrap}

    report = subprocess.run(base, cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120, check=False)
    assert report.returncode == 0, report.stderr
    lines = report.stdout.splitlines()
    assert f"Backtest: current rules/catalogue vs candidate {candidate}" in lines
    row = next(line.split() for line in lines if line.startswith(f"{RULE} "))
    assert int(row[2]) > int(row[1])  # the candidate makes more leads
    assert row[3] == "0"  # and loses none
    new_leads = report.stdout.split("New leads")[1]
    assert f"{RULE} v1: Burst of ground sensor activations: USBP/bt-{run}-a4" in new_leads
    assert re.search(r"read.* \d+/\d+", report.stderr), report.stderr  # the progress

    as_json = subprocess.run([*base, "--json"], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=120, check=False)
    assert as_json.returncode == 0, as_json.stderr
    diff = json.loads(as_json.stdout)
    mine = {kind: [lead["anchors"] for lead in diff[kind]
                   if lead["anchors"][0].startswith(f"USBP/bt-{run}-")]
            for kind in ("lost", "new", "same")}
    assert mine == {"lost": [], "new": [[f"USBP/bt-{run}-a4"]],
                    "same": [[f"USBP/bt-{run}-a6"]]}
    assert diff["topics"] == [SENSOR_TOPIC]
