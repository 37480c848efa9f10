"""One partition's slice of the correlation table: keys prefixed by the partition, and one
changelog record per changed key per flush (a tombstone for a deleted key), encoded as
Faust's table codecs write and read them back (key and value JSON)."""

from __future__ import annotations

import json
from typing import Any

from stream_apps.partition_state import PartitionStore

CHANGELOG = "app-correlation-state-changelog"


def test_keys_are_the_partitions_own() -> None:
    data: dict[str, Any] = {"1/rule/x/k": {"n": 1}}
    store = PartitionStore(data, CHANGELOG, 2)
    store.set("rule/x/k", {"n": 2})
    assert data == {"1/rule/x/k": {"n": 1}, "2/rule/x/k": {"n": 2}}
    assert store.get("rule/x/k") == {"n": 2}
    assert list(store.keys()) == ["rule/x/k"]


def test_a_flush_sends_each_changed_key_once_and_tombstones_deletions() -> None:
    data: dict[str, Any] = {"3/gone": {"a": 1}}
    store = PartitionStore(data, CHANGELOG, 3)
    for n in range(50):
        store.set("engine/clock", {"watermark": n})
    store.delete("gone")
    store.delete("never-there")  # nothing to send
    assert store.pending == 2
    records = store.flush()
    # Keys as Faust's table writes them to its changelog (a JSON string, quotes included).
    assert [(r.topic, r.partition, r.key) for r in records] == [
        (CHANGELOG, 3, b'"3/engine/clock"'), (CHANGELOG, 3, b'"3/gone"')]
    assert json.loads(records[0].value or b"") == {"watermark": 49}
    assert records[1].value is None
    assert store.pending == 0
    assert store.flush() == []
