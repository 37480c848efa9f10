"""A revision held for grouping survives a worker restart: the next worker of the same group
recovers it from state.dispatch-groups and sends it once, at the interval's end (not
twice, not never). Its own module: the restarted worker must be the only worker group
taking the test's leads."""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from adapters.kafka.audit_reader import read_audit
from adapters.kafka.subscriptions import put_subscription
from fusion.contract import DISPATCH_GROUPS_TOPIC, Agency, RuleHit, lead_topic
from leads.grouping import GroupState
from leads.subscriptions import Subscription
from tests.integration import partner
from tests.integration.conftest import (
    Stack,
    Worker,
    launch_worker,
    stop_worker,
    subscribe,
    wait_until,
)
from tests.integration.test_dispatch_policy import _category, _copies, _lead, _send

pytestmark = pytest.mark.integration

GROUP_S = 40.0  # long enough for a worker to stop and the next one to start


def _entries(stack: Stack, worker: Worker, lead_id: str) -> list[tuple[int, str, str, dt.datetime]]:
    return [(r.entry.revision, r.entry.agency.value, r.entry.outcome, r.entry.decided_at)
            for r in read_audit(stack.admin, worker.topics.audit)
            if r.entry is not None and r.entry.lead_id == lead_id]


def _state(stack: Stack, worker: Worker, lead_id: str) -> GroupState | None:
    key = f"{worker.app_id}/{lead_id}/HSI"
    found = None
    for partition in partner.partitions(stack.admin, DISPATCH_GROUPS_TOPIC):
        for m in partner.read_to_end(stack.admin, DISPATCH_GROUPS_TOPIC, {partition: 0}):
            if m.key == key:  # the latest record of the key wins (a tombstone: gone)
                found = GroupState.model_validate_json(m.payload) if m.payload else None
    return found


def test_a_held_revision_is_sent_once_by_the_next_worker(
        stack: Stack, tmp_path: Path) -> None:
    run_id = uuid.uuid4().hex[:10]
    prefix = f"test-{run_id}:"
    subscribe(stack, prefix)
    proc, worker = launch_worker(stack, tmp_path, run_id=run_id, prefix=prefix)
    try:
        put_subscription(stack.admin, worker.topics.subscriptions, Subscription(
            agency=Agency.HSI, group_interval=GROUP_S, repeat_interval=GROUP_S))
        start = partner.end_offsets(stack.agency(Agency.HSI), lead_topic(Agency.HSI))
        first = _lead(_category())
        _send(stack, first)
        wait_until(lambda: _copies(stack, Agency.HSI, start, first.lead_id), timeout=20,
                   what="revision 1 on leads.hsi")
        second = first.model_copy(update={"revision": 2, "rule_hits": [
            *first.rule_hits, RuleHit(rule_id="policy-test-2", rule_version=1, title="more",
                                      explanation="more")]})
        _send(stack, second)
        wait_until(lambda: (2, "HSI") in {(e[0], e[1]) for e in
                                          _entries(stack, worker, first.lead_id)},
                   timeout=20, what="revision 2 decided for HSI")
        held = _state(stack, worker, first.lead_id)
        assert held is not None
        assert held.held is not None
        assert held.held.lead.revision == 2
        due = held.held.due_at
    finally:
        stop_worker(proc)
    assert dt.datetime.now(dt.UTC) < due, "the first worker ran into the due time"
    assert [c.revision for c in _copies(stack, Agency.HSI, start, first.lead_id)] == [1]
    proc, worker = launch_worker(stack, tmp_path, run_id=run_id, prefix=prefix)
    try:
        wait_until(lambda: [c.revision for c in _copies(stack, Agency.HSI, start,
                                                        first.lead_id)] == [1, 2] or None,
                   timeout=GROUP_S + 30, what="revision 2 on leads.hsi after the restart")
        hsi = [(rev, outcome, at) for rev, agency, outcome, at in
               _entries(stack, worker, first.lead_id) if agency == "HSI"]
        assert [(rev, outcome) for rev, outcome, _ in hsi] == [
            (1, "sent"), (2, "held-grouping"), (2, "sent")]
        assert hsi[-1][2] >= due  # sent when the interval ended, not before
        # The copy and the cleared state commit together: nothing is left to send again.
        after = _state(stack, worker, first.lead_id)
        assert after is not None
        assert after.held is None
        assert after.last is not None
        assert after.last.revision == 2
        assert [c.revision for c in _copies(stack, Agency.HSI, start, first.lead_id)] == [1, 2]
    finally:
        stop_worker(proc)
