"""What is on the feed topics, read continuously: the HTTP ingest's memory of the events
already published is filled from the topics themselves (whoever published them, whichever
ingest process), so "already accepted" means "on its feed topic".

``FeedLedger.start(since)`` reads every feed partition from the first record written at or
after ``since`` and returns once it has read up to the end offsets of that moment; a thread
then goes on reading. Each record's event key (``AGENCY/event_id`` from its JSON value) and
timestamp go to ``remember``, before the reader's position moves past it.
``catch_up(topics)`` is a read barrier: it asks the broker for the end offsets of ``topics``
and returns once the reader is there, so every record the broker had appended before the
call has been remembered. kafka-python, no consumer group; the reading consumer is used
only by its thread, the one asking for end offsets only under a lock.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import orjson
from kafka import TopicPartition
from kafka.errors import KafkaError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_consumer, unavailable
from adapters.kafka.ranges import partitions_of, start_offsets
from fusion.errors import DependencyUnavailableError

log = logging.getLogger(__name__)

Remember = Callable[[list[tuple[str, float]]], None]  # [(AGENCY/event_id, record time s)]
POLL_MS = 200


class FeedLedger:
    def __init__(self, access: KafkaAccess, *, topics: Sequence[str], remember: Remember,
                 client_id: str = "fusion-ingest-ledger") -> None:
        self._access, self._where = access, access.bootstrap
        self._topics, self._remember = list(topics), remember
        self._reader = open_consumer(access, client_id=client_id, fetch_max_wait_ms=100)
        self._probe = open_consumer(access, client_id=f"{client_id}-probe")
        self._probe_lock = threading.Lock()
        self._changed = threading.Condition()
        self._positions: dict[TopicPartition, int] = {}  # next offset to read, per partition
        self._targets: dict[TopicPartition, int] = {}  # offsets barriers wait for
        self._failure: BaseException | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="feed-ledger", daemon=True)
        self.records_read = 0

    def start(self, since: float, *, timeout: float) -> int:
        """Read from ``since`` (seconds since the epoch) on; return the number of records read
        up to the end offsets of now, once they are all remembered."""
        try:
            partitions = partitions_of(self._reader, self._topics)
            start = start_offsets(self._reader, partitions,
                                  dt.datetime.fromtimestamp(since, dt.UTC))
            self._reader.assign(partitions)
            for partition, offset in start.items():
                self._reader.seek(partition, offset)
        except KafkaError as exc:
            raise unavailable(self._access, exc) from exc
        missing = sorted(set(self._topics) - {tp.topic for tp in partitions})
        if missing:
            log.warning("feed topics not on the broker, not remembered: %s "
                        "(create them with 'fusion topics create')", ", ".join(missing))
        self._positions = dict(start)
        self._thread.start()
        self._wait_for(self._end_offsets(partitions, timeout), timeout)
        return self.records_read

    def catch_up(self, topics: Iterable[str], *, timeout: float) -> None:
        """Return once every record appended to ``topics`` before this call is remembered;
        ``DependencyUnavailableError`` if the broker does not answer or the reader is not
        there within ``timeout`` seconds."""
        wanted = set(topics)
        partitions = [tp for tp in self._positions if tp.topic in wanted]
        self._wait_for(self._end_offsets(partitions, timeout), timeout)

    def close(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        self._reader.close()
        self._probe.close()

    def _end_offsets(self, partitions: list[TopicPartition], timeout: float
                     ) -> dict[TopicPartition, int]:
        if not partitions:
            return {}
        try:
            with self._probe_lock:
                ends = self._probe.end_offsets(partitions, timeout_ms=int(timeout * 1000))
        except KafkaError as exc:
            raise unavailable(self._access, exc) from exc
        return {tp: int(offset) for tp, offset in ends.items()}

    def _wait_for(self, ends: dict[TopicPartition, int], timeout: float) -> None:
        def there() -> bool:
            return self._failure is not None or all(
                self._positions.get(tp, 0) >= end for tp, end in ends.items())

        with self._changed:
            for tp, end in ends.items():
                self._targets[tp] = max(end, self._targets.get(tp, 0))
            reached = self._changed.wait_for(there, timeout=timeout)
            failure = self._failure
        if failure is not None:
            raise DependencyUnavailableError(
                "Kafka", self._where, f"the feed topics' reader stopped: {failure}")
        if not reached:
            raise DependencyUnavailableError(
                "Kafka", self._where,
                f"the feed topics were not read up to their end within {timeout:g}s")

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                self._read_once()
            except Exception as exc:  # the reader must report its end, not vanish
                log.exception("the feed topics' reader stopped")
                with self._changed:
                    self._failure = exc
                    self._changed.notify_all()
                return

    def _read_once(self) -> None:
        batches = self._reader.poll(timeout_ms=POLL_MS)
        seen = [(key, record.timestamp / 1000)
                for records in batches.values() for record in records
                if (key := event_key(record.value)) is not None]
        if seen:
            self._remember(seen)
        # Positions follow the records read; asking the consumer costs about a millisecond
        # per partition, so only partitions a barrier waits for and no record has brought
        # there are asked (their end may be past the last record: transaction markers).
        positions = dict(self._positions)
        for tp, records in batches.items():
            if records:
                positions[tp] = max(positions.get(tp, 0), records[-1].offset + 1)
        with self._changed:
            lagging = [tp for tp, end in self._targets.items() if positions.get(tp, 0) < end]
        for tp in lagging:
            positions[tp] = int(self._reader.position(tp))
        with self._changed:
            self._positions = positions
            self.records_read += sum(len(records) for records in batches.values())
            for tp in [tp for tp, end in self._targets.items() if positions.get(tp, 0) >= end]:
                del self._targets[tp]
            self._changed.notify_all()


def event_key(value: bytes | None) -> str | None:
    """``AGENCY/event_id`` of a record's JSON value; None for what is no event."""
    try:
        doc: Any = orjson.loads(value or b"")
    except orjson.JSONDecodeError:
        return None
    if not isinstance(doc, dict):
        return None
    agency, event_id = doc.get("agency"), doc.get("event_id")
    if isinstance(agency, str) and isinstance(event_id, str):
        return f"{agency}/{event_id}"
    return None
