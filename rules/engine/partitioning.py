"""Which state partition owns which group key, and where an event must go (pure).

Every stateful rule groups its events by an entity's strongest key (``group_entities``), so
the rule state of one key must live in one place. The correlation topic is split into
partitions; group key ``k`` belongs to partition ``partition_of(k, n)`` (Kafka's default
partitioner, murmur2, written out here to keep the core free of Kafka clients; so a producer
keyed by ``k`` lands on the same partition). An event with
entities of several keys is a *share* on each partition owning one of them; that partition's
engine applies it only to the keys it owns (``KeyOwner``), so no key is counted twice and no
rule sees a key's events split across partitions.

Single-event (match) rules must fire once per event, not once per share: exactly one share is
*primary*, the one on the partition of the event's first group key (the strongest key of its
first keyed entity), or of the event key when no entity is keyed.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from fusion.contract import EventEnvelope, Feed
from fusion.resolution.keys import entity_keys

BROADCAST_FEEDS = frozenset({Feed.WATCHLIST})
"""Feeds whose events go to every partition: each engine keeps the whole watchlist in event
time (``watch.py``), as Flink's broadcast state pattern does."""


def group_keys(event: EventEnvelope) -> list[str]:
    """Every key a rule can group ``event`` under: each entity's strongest key, once, in
    entity order."""
    keys: dict[str, None] = {}
    for entity in event.entities:
        strongest = entity_keys(entity)[:1]
        if strongest:
            keys.setdefault(strongest[0], None)
    return list(keys)


def murmur2(data: bytes) -> int:
    """Kafka's 32-bit murmur2 of ``data`` (``org.apache.kafka.common.utils.Utils.murmur2``),
    as an unsigned 32-bit int, so ``partition_of`` agrees with Kafka's default partitioner."""
    m, mask = 0x5BD1E995, 0xFFFFFFFF
    length = len(data)
    h = (0x9747B28C ^ length) & mask
    whole = length - length % 4
    for i in range(0, whole, 4):
        k = int.from_bytes(data[i:i + 4], "little")
        k = (k * m) & mask
        k ^= k >> 24
        k = (k * m) & mask
        h = ((h * m) & mask) ^ k
    tail = data[whole:]
    if tail:
        h ^= int.from_bytes(tail, "little")
        h = (h * m) & mask
    h ^= h >> 13
    h = (h * m) & mask
    h ^= h >> 15
    return h


@functools.lru_cache(maxsize=65536)
def partition_of(key: str, partitions: int) -> int:
    """The partition owning ``key`` among ``partitions`` (as Kafka's default partitioner).
    Remembered for the last 65,536 keys: an engine asks for each key of each event for each
    rule that groups by it, and ``murmur2`` is written in Python."""
    if partitions < 1:
        raise ValueError(f"partitions must be at least 1, not {partitions}")
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


@dataclass(frozen=True, slots=True)
class Share:
    """One copy of an event for one partition; ``key`` is the record key to send it under
    (a group key the partition owns, or the event key)."""

    partition: int
    key: str
    primary: bool


def shares(event: EventEnvelope, partitions: int) -> list[Share]:
    """The copies of ``event`` to send: one per partition owning any of its group keys (every
    partition for a broadcast feed), the primary first; an event with no keyed entity is one
    primary share."""
    keys = group_keys(event) or [event.key]
    by_partition: dict[int, str] = {}
    for key in keys:
        by_partition.setdefault(partition_of(key, partitions), key)
    primary = partition_of(keys[0], partitions)
    if event.feed in BROADCAST_FEEDS:
        for partition in range(partitions):
            by_partition.setdefault(partition, keys[0])
    return [Share(partition, key, partition == primary) for partition, key in by_partition.items()]


@dataclass(frozen=True, slots=True)
class KeyOwner:
    """``owner(key)``: whether partition ``partition`` of ``partitions`` owns group key ``key``."""

    partition: int
    partitions: int

    def __call__(self, key: str) -> bool:
        return self.partitions == 1 or partition_of(key, self.partitions) == self.partition
