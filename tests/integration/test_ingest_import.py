"""``fusion import`` against the real broker: good records land on their feed topics exactly
once, bad ones are listed with their line numbers, and an import killed with SIGKILL half-way
and run again publishes no event twice."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import textwrap
import uuid
from collections import Counter
from pathlib import Path

import pytest

from fusion.contract import Agency, Feed, feed_topic
from tests.factories import T0, listing
from tests.integration import partner
from tests.integration.conftest import FUSION, ROOT, Stack, wait_until
from tests.integration.test_ingest_http import add_key

pytestmark = pytest.mark.integration

AGENCY = Agency.EPIC
TOPIC = feed_topic(AGENCY, Feed.WATCHLIST)


@pytest.fixture(scope="module")
def env(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    keys_file = tmp_path_factory.mktemp("keys") / "keys.json"
    return {**os.environ, "FUSION_INGEST_KEYS_FILE": str(keys_file),
            "FUSION_INGEST_KEY": add_key(keys_file, AGENCY)}


def write_events(path: Path, run: str, count: int, *, bad_lines: dict[int, str] | None = None
                 ) -> list[str]:
    """``count`` valid events, with ``bad_lines`` (1-based line number -> text) between them."""
    bad_lines = bad_lines or {}
    ids: list[str] = []
    lines: list[str] = []
    for n in range(count):
        while len(lines) + 1 in bad_lines:
            lines.append(bad_lines[len(lines) + 1])
        event = listing(f"I{n % 10000:04d}", entry_id=f"{run}-{n}", agency=AGENCY, at=T0)
        ids.append(event.event_id)
        lines.append(event.model_dump_json())
    path.write_text("\n".join(lines) + "\n")
    return ids


def ids_on_topic(stack: Stack, start: dict[int, int], run: str) -> Counter[str]:
    messages = partner.read_to_end(stack.admin, TOPIC, start)
    return Counter(i for i in (m.json()["event_id"] for m in messages) if run in i)


def fusion_import(path: Path, env: dict[str, str], *extra: str, agency: Agency = AGENCY
                  ) -> subprocess.CompletedProcess[str]:
    return subprocess.run([FUSION, "import", str(path), "--agency", agency.value, *extra],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_a_file_with_bad_lines_publishes_every_good_event_once(stack: Stack, env: dict[str, str],
                                                               tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]
    path = tmp_path / "events.jsonl"
    other = listing("X1", entry_id=f"{run}-hsi", agency=Agency.HSI).model_dump_json()
    bad = {5: "{not json", 700: other, 1500: '{"schema_version": 1}', 2999: "[]"}
    ids = write_events(path, run, 3000, bad_lines=bad)
    start = partner.end_offsets(stack.admin, TOPIC)

    result = fusion_import(path, env, "--chunk-size", "400", "--progress")

    assert result.returncode == 1, result.stderr  # 1: some records were refused
    assert "3000 events published, 4 records refused" in result.stdout
    assert "events.jsonl" in result.stderr  # the progress bar
    errors = [json.loads(line) for line in
              (tmp_path / "events.jsonl.errors.jsonl").read_text().splitlines()]
    assert [(e["line"], e["reason"]) for e in errors] == [
        (5, "malformed-json"), (700, "agency-mismatch"), (1500, "schema-violation"),
        (2999, "not-an-object")]
    assert errors[1]["errors"][0]["message"] == "agency EPIC may not publish for HSI"
    assert {e["field"] for e in errors[2]["errors"]} >= {"event_id", "grading"}
    on_topic = wait_until(lambda: (c := ids_on_topic(stack, start, run)) and
                          sum(c.values()) >= 3000 and c, timeout=30, what="3000 events")
    assert set(on_topic) == set(ids)
    assert max(on_topic.values()) == 1

    again = fusion_import(path, env)  # finished: nothing is sent again
    assert again.returncode == 1
    assert sum(ids_on_topic(stack, start, run).values()) == 3000


def test_an_import_killed_half_way_and_restarted_publishes_no_duplicates(
        stack: Stack, env: dict[str, str], tmp_path: Path) -> None:
    run = uuid.uuid4().hex[:8]
    path = tmp_path / "big.jsonl"
    ids = write_events(path, run, 20000)
    size = path.stat().st_size
    checkpoints = tmp_path / "checkpoints"
    checkpoint = checkpoints / "big.jsonl.checkpoint.json"
    start = partner.end_offsets(stack.admin, TOPIC)

    proc = subprocess.Popen(
        [FUSION, "import", str(path), "--agency", AGENCY.value, "--chunk-size", "200",
         "--checkpoint-dir", str(checkpoints)],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def progressed() -> bool:
        try:
            state = json.loads(checkpoint.read_text())
        except (OSError, ValueError):
            return False
        return bool(state["offset"] > size // 4)

    try:
        wait_until(progressed, timeout=120, what="the import to get a quarter of the way",
                   every=0.005)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    state = json.loads(checkpoint.read_text())
    assert not state["done"]
    assert 0 < state["offset"] < size
    delivered = sum(ids_on_topic(stack, start, run).values())
    assert 0 < delivered < 20000

    result = fusion_import(path, env, "--checkpoint-dir", str(checkpoints), "--chunk-size", "200")

    assert result.returncode == 0, result.stderr
    on_topic = ids_on_topic(stack, start, run)
    assert set(on_topic) == set(ids)
    duplicates = {i: n for i, n in on_topic.items() if n > 1}
    assert not duplicates
    assert json.loads(checkpoint.read_text())["done"]


MAPPING = """\
event_id: "lpr-{read_id}"
feed: lpr-reads
type: lpr.read
occurred_at: {column: seen, format: "%m/%d/%Y %H:%M:%S", timezone: America/Phoenix}
location: {coordinates: {lat: {column: lat, type: float}, lon: {column: lon, type: float}}}
entities: [{kind: vehicle, plate: "{plate}", plate_region: "US-{state}"}]
attributes: {camera_id: "{camera}", direction: N, read_confidence: {column: conf, type: float}}
grading: {source: B, credibility: "2"}
handling: {tlp: GREEN, releasable_to: [USA]}
"""


def test_a_csv_file_is_imported_through_its_mapping(stack: Stack, tmp_path: Path) -> None:
    keys_file = tmp_path / "keys.json"
    env = {**os.environ, "FUSION_INGEST_KEYS_FILE": str(keys_file),
           "FUSION_INGEST_KEY": add_key(keys_file, Agency.USBP)}
    run = uuid.uuid4().hex[:8]
    (tmp_path / "mapping.yaml").write_text(MAPPING)
    path = tmp_path / "reads.csv"
    path.write_text(textwrap.dedent(f"""\
        read_id,seen,lat,lon,plate,state,camera,conf
        {run}-1,11/20/2026 08:30:00,31.33,-110.94,AZP1001,AZ,cam-1,0.97
        {run}-2,11/20/2026 08:31:00,31.33,-110.94,AZP1002,AZ,cam-1,high
        {run}-3,11/20/2026 08:32:00,31.33,-110.94,AZP1003,AZ,cam-1,0.91
        """))
    topic = feed_topic(Agency.USBP, Feed.LPR_READS)
    start = partner.end_offsets(stack.admin, topic)

    result = fusion_import(path, env, "--mapping", str(tmp_path / "mapping.yaml"),
                           agency=Agency.USBP)

    assert result.returncode == 1, result.stderr
    [error] = [json.loads(line) for line in
               (tmp_path / "reads.csv.errors.jsonl").read_text().splitlines()]
    assert (error["line"], error["reason"]) == (3, "mapping-error")
    assert error["errors"][0]["field"] == "attributes.read_confidence"
    events = [m.json() for m in partner.read_to_end(stack.admin, topic, start)]
    ours = sorted(e["event_id"] for e in events if run in e["event_id"])
    assert ours == [f"lpr-{run}-1", f"lpr-{run}-3"]
    first = next(e for e in events if e["event_id"] == f"lpr-{run}-1")
    assert first["occurred_at"] == "2026-11-20T08:30:00-07:00"
