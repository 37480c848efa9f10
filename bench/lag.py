"""A worker group's consumer lag, from outside: the end offsets of the topics it reads minus
the offsets it has committed, summed per stage input (the feeds for the intake,
``internal.events`` for correlate, ``internal.leads`` for dispatch). A partition the group has
committed nothing on counts from its first offset: nothing of it is processed.

Committed offsets move when Faust commits (every few seconds), so the lag read here has a
saw-tooth of a few seconds of input on top of what is really waiting."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from kafka import TopicPartition
from kafka.errors import KafkaError

from adapters.kafka.access import KafkaAccess
from adapters.kafka.clients import open_admin, open_consumer
from fusion.contract import CANDIDATE_LEADS_TOPIC, CORRELATION_TOPIC, feed_topics
from fusion.contract.principals import intake_group

INPUTS = ("feeds", CORRELATION_TOPIC, CANDIDATE_LEADS_TOPIC)


def worker_inputs() -> list[str]:
    """Every topic a worker reads as a stage's input."""
    return [*feed_topics(), CORRELATION_TOPIC, CANDIDATE_LEADS_TOPIC]


def stage_input(topic: str) -> str | None:
    if topic.startswith("feeds.") and topic != "feeds.dlq":
        return "feeds"
    return topic if topic in (CORRELATION_TOPIC, CANDIDATE_LEADS_TOPIC) else None


def lag_by_input(ends: dict[Any, int], committed: dict[Any, int],
                 starts: dict[Any, int]) -> dict[str, int]:
    """Records behind per stage input; ``ends``/``starts``/``committed`` by TopicPartition."""
    out = dict.fromkeys(INPUTS, 0)
    for tp, end in ends.items():
        key = stage_input(tp.topic)
        if key is not None:
            out[key] += max(0, end - committed.get(tp, starts.get(tp, 0)))
    return out


class GroupLag:
    """Reads a worker's lag on the given topics (as the admin): its feed partitions as its
    intake's group (``<app_id>-intake``) committed them, the internal topics as the Faust
    app's group (``app_id``). Read as the app's group alone, the feeds never commit and the
    lag never ends."""

    def __init__(self, access: KafkaAccess, group: str, topics: Sequence[str]) -> None:
        self._admin = open_admin(access, client_id="bench-lag")
        self._consumer = open_consumer(access, client_id="bench-lag")
        self._group = group
        self._groups = [group, intake_group(group)]
        self._partitions = [TopicPartition(t, p) for t in topics
                            for p in sorted(self._consumer.partitions_for_topic(t) or ())]
        self._starts = dict(self._consumer.beginning_offsets(self._partitions))

    def sample(self) -> dict[str, int] | None:
        """Lag per stage input now; None when the broker gives no answer this time."""
        try:
            by_group = self._admin.list_group_offsets(dict.fromkeys(self._groups))
            ends = dict(self._consumer.end_offsets(self._partitions))
        except (KafkaError, KeyError):
            return None
        committed = {tp: meta.offset for offsets in by_group.values()
                     for tp, meta in offsets.items() if meta.offset >= 0}
        return lag_by_input(ends, committed, self._starts)

    def wait_caught_up(self, *, timeout: float, alive: Callable[[], bool] = lambda: True
                       ) -> None:
        """Until the group has committed everything on its inputs (no lag at all)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and alive():
            lag = self.sample()
            if lag is not None and not any(lag.values()):
                return
            time.sleep(0.5)  # polling interval
        raise TimeoutError(f"group {self._group} still lags after {timeout:g} s "
                           f"({self.sample()})")

    def close(self) -> None:
        self._admin.close()
        self._consumer.close()
