"""One partition's slice of the correlation state table, written to its changelog once per
batch.

A Faust table sends a changelog record for every ``table[key] = value``, and only from inside
the iteration of the event that caused it (the event's partition is the changelog
partition). The correlate agent works in batches and knows each batch's partition, so it
writes the table's local data directly, remembers which keys changed, and after the batch
``flush`` gives one changelog record per changed key (a tombstone for a deleted key) for
that partition, encoded as Faust's table codecs write and recover them (key and value both
JSON; encoded with orjson, which writes the large rule states, whose entries carry whole
events, about five times faster than ``json``: the encoding was a tenth of a 1,000-rule
worker's CPU), for the agent to send with its other records as one record batch. (Faust's own
``send_changelog`` re-encodes each value through its codec and queues it one by one: 17% of
the worker's CPU in a profile.) A key written fifty times in a batch costs one changelog
record, not fifty.

Keys are ``<partition>/<engine key>``, so partitions never share a key; a Faust worker that
is assigned the partition recovers exactly these keys from changelog partition ``p`` before
it reads any event of it (Faust's table recovery), so windows, held events and pending
absences follow the partition across restarts and rebalances.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

from adapters.kafka.faust_internals import changelog_key, changelog_value
from rules.engine.state import JsonDict
from stream_apps.records import OutboundRecord


class PartitionStore:
    """The engine's ``StateStore`` for partition ``partition`` of a table whose local data is
    ``data`` and whose changelog topic is ``changelog``."""

    def __init__(self, data: MutableMapping[Any, Any], changelog: str, partition: int) -> None:
        self._changelog = changelog
        self._data = data
        self.partition = partition
        self._prefix = f"{partition}/"
        self._dirty: set[str] = set()

    def get(self, key: str) -> JsonDict | None:
        value = self._data.get(self._prefix + key)
        return value if isinstance(value, dict) else None

    def set(self, key: str, value: JsonDict) -> None:
        full = self._prefix + key
        self._data[full] = value
        self._dirty.add(full)

    def delete(self, key: str) -> None:
        full = self._prefix + key
        if self._data.pop(full, None) is not None:
            self._dirty.add(full)

    def keys(self) -> Iterator[str]:
        cut = len(self._prefix)
        return iter([k[cut:] for k in list(self._data.keys()) if k.startswith(self._prefix)])

    @property
    def pending(self) -> int:
        """Keys changed since the last ``flush``."""
        return len(self._dirty)

    def flush(self) -> list[OutboundRecord]:
        """One changelog record per key changed since the last flush (a tombstone for a
        deleted one), in key order."""
        dirty, self._dirty = self._dirty, set()
        out = []
        for key in sorted(dirty):
            value = self._data.get(key)
            out.append(OutboundRecord(
                self._changelog, changelog_key(key),
                None if value is None else changelog_value(value), partition=self.partition))
        return out
