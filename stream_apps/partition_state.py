"""One partition's slice of the correlation state table, written to its changelog once per
batch.

A Faust table sends a changelog record for every ``table[key] = value``, and only from inside
the iteration of the event that caused it (the event's partition is the changelog
partition). The correlate agent works in batches and knows each batch's partition, so it
writes the table's local data directly, remembers which keys changed, and after the batch
sends one changelog record per changed key (``None`` for a deleted key) to that partition.
A key written fifty times in a batch costs one changelog record, not fifty.

Keys are ``<partition>/<engine key>``, so partitions never share a key; a Faust worker that
is assigned the partition recovers exactly these keys from changelog partition ``p`` before
it reads any event of it (Faust's table recovery), so windows, held events and pending
absences follow the partition across restarts and rebalances.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, Protocol

from rules.engine.state import JsonDict


class ChangelogTable(Protocol):
    """What this module needs of a Faust table."""

    @property
    def data(self) -> MutableMapping[Any, Any]: ...

    def send_changelog(self, partition: int | None, key: Any, value: Any,
                       key_serializer: Any = None, value_serializer: Any = None) -> Any: ...


class PartitionStore:
    """The engine's ``StateStore`` for partition ``partition`` of ``table``."""

    def __init__(self, table: ChangelogTable, partition: int) -> None:
        self._table = table
        self._data = table.data
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

    def flush(self) -> int:
        """Send one changelog record per key changed since the last flush; how many."""
        dirty, self._dirty = self._dirty, set()
        for key in sorted(dirty):
            self._table.send_changelog(self.partition, key, self._data.get(key))
        return len(dirty)
