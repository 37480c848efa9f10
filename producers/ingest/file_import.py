"""Imports a file chunk by chunk: publish a chunk's valid events, write its refusals to the
errors file, then move the checkpoint past it. See producers/README.md for why a kill at any
point leaves no event on the topics twice."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from fusion.contract import Agency, EventEnvelope, feed_topic
from producers.ingest.checkpoint import Checkpoint, CheckpointStore, FileIdentity, TopicOffsets
from producers.ingest.records import Refusal
from producers.ingest.sources import Record


class EventSink(Protocol):
    def publish(self, events: Sequence[EventEnvelope]) -> object: ...


class TopicLedger(Protocol):
    def end_offsets(self, topics: Iterable[str]) -> TopicOffsets: ...

    def delivered_keys(self, start: TopicOffsets) -> set[str]: ...


class Progress(Protocol):
    def advance(self, checkpoint: Checkpoint) -> None: ...


@dataclass(frozen=True)
class ImportJob:
    path: Path
    agency: Agency
    read: Callable[[int, int], Generator[Record, None, None]]  # (offset, line) -> records after it
    store: CheckpointStore
    errors_path: Path
    chunk_size: int = 500


def run_import(job: ImportJob, *, sink: EventSink, ledger: TopicLedger,
               progress: Progress | None = None) -> Checkpoint:
    """Import ``job.path`` from its checkpoint on; return the final checkpoint."""
    with job.store.locked():
        return _run(job, sink=sink, ledger=ledger, progress=progress)


def _run(job: ImportJob, *, sink: EventSink, ledger: TopicLedger,
         progress: Progress | None) -> Checkpoint:
    checkpoint = job.store.load(FileIdentity.of(job.path), job.agency)
    if checkpoint.done:
        return checkpoint
    delivered = ledger.delivered_keys(checkpoint.pending) if checkpoint.pending else set()
    _truncate(job.errors_path, checkpoint.errors_bytes)
    if progress:
        progress.advance(checkpoint)
    for chunk in _chunks(job.read(checkpoint.offset, checkpoint.line), job.chunk_size):
        checkpoint = _settle(job, checkpoint, chunk, sink, ledger, delivered)
        if progress:
            progress.advance(checkpoint)
    checkpoint = checkpoint.model_copy(update={"done": True})
    job.store.save(checkpoint)
    if progress:
        progress.advance(checkpoint)
    return checkpoint


def _chunks(records: Generator[Record, None, None], size: int) -> Iterator[list[Record]]:
    with contextlib.closing(records):
        while chunk := list(itertools.islice(records, size)):
            yield chunk


def _settle(job: ImportJob, checkpoint: Checkpoint, chunk: list[Record], sink: EventSink,
            ledger: TopicLedger, delivered: set[str]) -> Checkpoint:
    valid = [r.result for r in chunk if isinstance(r.result, EventEnvelope)]
    events = [e for e in valid if e.key not in delivered]
    if events:
        topics = sorted({feed_topic(e.agency, e.feed) for e in events})
        job.store.save(checkpoint.model_copy(update={"pending": ledger.end_offsets(topics)}))
        sink.publish(events)
    refusals = [(r.line, r.result) for r in chunk if isinstance(r.result, Refusal)]
    errors_bytes = checkpoint.errors_bytes
    if refusals:
        errors_bytes = _append_errors(job.errors_path, refusals)
    settled = checkpoint.model_copy(update={
        "offset": chunk[-1].end_offset, "line": chunk[-1].end_line,
        "accepted": checkpoint.accepted + len(events),
        "skipped": checkpoint.skipped + len(valid) - len(events),
        "refused": checkpoint.refused + len(refusals),
        "errors_bytes": errors_bytes, "pending": None})
    job.store.save(settled)
    return settled


def _append_errors(path: Path, refusals: list[tuple[int, Refusal]]) -> int:
    with path.open("ab") as fh:
        for line, refusal in refusals:
            fh.write(json.dumps({"line": line, **refusal.as_json()}).encode() + b"\n")
        fh.flush()
        os.fsync(fh.fileno())
        return fh.tell()


def _truncate(path: Path, size: int) -> None:
    """Drop errors written after the last checkpoint: that chunk is read again."""
    if path.exists():
        with path.open("r+b") as fh:
            fh.truncate(size)
    elif size:
        path.touch()
