"""Checkpoints and resumed imports: a changed file is detected, and an import killed at any
point and run again leaves every event on the topics exactly once."""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Iterable, Sequence
from pathlib import Path

import pytest

from fusion.contract import Agency, EventEnvelope, feed_topic
from fusion.errors import ConfigurationError
from producers.ingest.checkpoint import (
    Checkpoint,
    CheckpointMismatchError,
    CheckpointStore,
    FileIdentity,
    TopicOffsets,
)
from producers.ingest.file_import import ImportJob, run_import
from producers.ingest.sources import Record, jsonl_records
from tests.factories import T0, listing


class Killed(BaseException):
    """Stands for SIGKILL: nothing after it runs."""


class Topics:
    """In-memory topics, one partition each: the sink appends, the ledger reads."""

    def __init__(self) -> None:
        self.log: dict[str, list[str]] = {}
        self.kill_after: int | None = None  # deliver this many events of the next batch, die

    def publish(self, events: Sequence[EventEnvelope]) -> None:
        for n, event in enumerate(events):
            if self.kill_after is not None and n == self.kill_after:
                self.kill_after = None
                raise Killed
            self.log.setdefault(feed_topic(event.agency, event.feed), []).append(event.key)

    def end_offsets(self, topics: Iterable[str]) -> TopicOffsets:
        return {t: {0: len(self.log.get(t, []))} for t in topics}

    def delivered_keys(self, start: TopicOffsets) -> set[str]:
        return {k for t, parts in start.items() for k in self.log.get(t, [])[parts[0]:]}

    def keys(self) -> list[str]:
        return [k for keys in self.log.values() for k in keys]


class DyingStore(CheckpointStore):
    def __init__(self, path: Path, die_on_save: int | None) -> None:
        super().__init__(path)
        self.saves, self.die_on_save = 0, die_on_save

    def save(self, checkpoint: Checkpoint) -> None:
        self.saves += 1
        if self.saves == self.die_on_save:
            raise Killed
        super().save(checkpoint)


def _write_input(path: Path, count: int, bad_every: int = 0) -> list[str]:
    good, lines = [], []
    for n in range(count):
        if bad_every and n % bad_every == 0:
            lines.append('{"event_id": "broken"')
            continue
        event = listing(f"P{n}", entry_id=f"E{n}", at=T0)
        good.append(event.key)
        lines.append(event.model_dump_json())
    path.write_text("\n".join(lines) + "\n")
    return good


def _errors(directory: Path) -> list[dict[str, object]]:
    text = (directory / "in.jsonl.errors.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def _job(path: Path, store: CheckpointStore) -> ImportJob:
    def read(offset: int, line: int) -> Generator[Record, None, None]:
        with path.open("rb") as fh:
            yield from jsonl_records(fh, agency=Agency.HSI, offset=offset, line=line)

    return ImportJob(path=path, agency=Agency.HSI, read=read, store=store,
                     errors_path=path.with_name("in.jsonl.errors.jsonl"), chunk_size=10)


def test_a_complete_import_publishes_good_records_and_lists_bad_ones(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    good = _write_input(path, 45, bad_every=7)
    topics = Topics()
    final = run_import(_job(path, CheckpointStore.for_input(path)), sink=topics, ledger=topics)
    assert topics.keys() == good
    assert (final.accepted, final.refused, final.done) == (len(good), 7, True)
    errors = _errors(tmp_path)
    assert [e["line"] for e in errors] == [1, 8, 15, 22, 29, 36, 43]
    assert errors[0]["reason"] == "malformed-json"


def test_a_finished_import_sends_nothing_again(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    _write_input(path, 12)
    topics = Topics()
    store = CheckpointStore.for_input(path)
    run_import(_job(path, store), sink=topics, ledger=topics)
    run_import(_job(path, store), sink=topics, ledger=topics)
    assert len(topics.keys()) == 12


@pytest.mark.parametrize("die_on_save", range(1, 12))
def test_a_kill_at_any_checkpoint_write_then_a_rerun_sends_each_event_once(
        tmp_path: Path, die_on_save: int) -> None:
    path = tmp_path / "in.jsonl"
    good = _write_input(path, 45, bad_every=9)
    topics = Topics()
    with pytest.raises(Killed):
        run_import(_job(path, DyingStore(tmp_path / "cp.json", die_on_save)), sink=topics,
                   ledger=topics)
    final = run_import(_job(path, CheckpointStore(tmp_path / "cp.json")), sink=topics,
                       ledger=topics)
    assert sorted(topics.keys()) == sorted(good)
    assert final.accepted + final.skipped == len(good)
    errors = [e["line"] for e in _errors(tmp_path)]
    assert errors == [1, 10, 19, 28, 37]


@pytest.mark.parametrize("delivered", [0, 3, 9])
def test_a_kill_midway_through_a_publish_then_a_rerun_sends_each_event_once(
        tmp_path: Path, delivered: int) -> None:
    path = tmp_path / "in.jsonl"
    good = _write_input(path, 35)
    topics = Topics()
    store = CheckpointStore.for_input(path)
    topics.kill_after = delivered
    with pytest.raises(Killed):
        run_import(_job(path, store), sink=topics, ledger=topics)
    assert store.load(FileIdentity.of(path), Agency.HSI).pending is not None
    final = run_import(_job(path, store), sink=topics, ledger=topics)
    assert sorted(topics.keys()) == sorted(good)
    assert final.skipped == delivered


def test_identity_changes_when_the_file_changes(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_bytes(b"a" * 100)
    before = FileIdentity.of(path)
    assert FileIdentity.of(path) == before
    path.write_bytes(b"b" * 100)
    os.utime(path, ns=(before.mtime_ns, before.mtime_ns))
    assert before.differences(FileIdentity.of(path)) == ["head_sha256"]
    path.write_bytes(b"b" * 101)
    assert "size" in before.differences(FileIdentity.of(path))


def test_a_checkpoint_of_a_changed_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    _write_input(path, 25)
    topics = Topics()
    store = CheckpointStore.for_input(path)
    topics.kill_after = 0
    with pytest.raises(Killed):
        run_import(_job(path, store), sink=topics, ledger=topics)
    with path.open("a") as fh:
        fh.write(listing("NEW1", entry_id="NEW").model_dump_json() + "\n")
    with pytest.raises(CheckpointMismatchError, match="size"):
        run_import(_job(path, store), sink=topics, ledger=topics)


def test_a_checkpoint_of_another_agency_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text("{}\n")
    store = CheckpointStore.for_input(path, tmp_path / "cps")
    identity = FileIdentity.of(path)
    store.save(Checkpoint(identity=identity, agency=Agency.DEA))
    assert store.path == tmp_path / "cps" / "in.jsonl.checkpoint.json"
    with pytest.raises(CheckpointMismatchError, match="by DEA, not HSI"):
        store.load(identity, Agency.HSI)


def test_a_second_import_of_the_same_file_stops_at_once(tmp_path: Path) -> None:
    store = CheckpointStore(tmp_path / "cp.json")
    with store.locked(), pytest.raises(ConfigurationError, match="another import"), \
            CheckpointStore(tmp_path / "cp.json").locked():
        pass
    with store.locked():
        pass
