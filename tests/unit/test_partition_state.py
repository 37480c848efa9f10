"""One partition's slice of the correlation table: keys prefixed by the partition, and one
changelog record per changed key per flush (``None`` for a deleted key), sent to that
partition."""

from __future__ import annotations

from typing import Any

from stream_apps.partition_state import PartitionStore


class _Table:
    """The two things PartitionStore uses of a Faust table."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.sent: list[tuple[int | None, Any, Any]] = []

    def send_changelog(self, partition: int | None, key: Any, value: Any,
                       key_serializer: Any = None, value_serializer: Any = None) -> None:
        self.sent.append((partition, key, value))


def test_keys_are_the_partitions_own() -> None:
    table = _Table({"1/rule/x/k": {"n": 1}})
    store = PartitionStore(table, 2)
    store.set("rule/x/k", {"n": 2})
    assert table.data == {"1/rule/x/k": {"n": 1}, "2/rule/x/k": {"n": 2}}
    assert store.get("rule/x/k") == {"n": 2}
    assert list(store.keys()) == ["rule/x/k"]
    assert table.sent == []  # nothing goes to the changelog before the flush


def test_a_flush_sends_each_changed_key_once_and_none_for_deletions() -> None:
    table = _Table({"3/gone": {"a": 1}})
    store = PartitionStore(table, 3)
    for n in range(50):
        store.set("engine/clock", {"watermark": n})
    store.delete("gone")
    store.delete("never-there")  # nothing to send
    assert store.pending == 2
    assert store.flush() == 2
    assert table.sent == [(3, "3/engine/clock", {"watermark": 49}), (3, "3/gone", None)]
    assert store.pending == 0
    assert store.flush() == 0
