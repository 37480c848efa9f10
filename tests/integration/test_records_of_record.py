"""Kafka is the system of record: a new worker group, which never read the listings on the
feed, starts from the watchlist's record of record (``state.watchlist``) and finds the
watchlisted vehicles, one lead each, audited; a removed subscription stops the leads to that
agency from the next batch on. (The worker keeps no watchlist in Redis: its lanes hold it in
event time, in their changelogged state.)"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import pytest

from adapters.kafka.subscriptions import remove_subscription
from fusion.contract import Agency, Lead, lead_topic
from rules.watchlist import WatchlistEntry
from tests.factories import crossing, listing
from tests.integration import partner
from tests.integration.conftest import (
    Stack,
    Worker,
    audit_of,
    forget,
    launch_worker,
    stop_worker,
    subscribe,
    wait_until,
)
from tests.integration.drivers import publish

pytestmark = pytest.mark.integration


def _plates(n: int) -> list[str]:
    run = uuid.uuid4().int % 10_000  # digits only: plate matching folds O/0, I/1, B/8
    return [f"RR{run:04d}{i:02d}" for i in range(n)]


def _recorded(stack: Stack, worker: Worker) -> set[str]:
    """The entry ids on the worker's watchlist record of record."""
    messages = partner.read_to_end(stack.admin, worker.topics.watchlist, {0: 0})
    return {WatchlistEntry.model_validate_json(m.payload).entry_id
            for m in messages if m.payload}


def _list(stack: Stack, worker: Worker, plates: list[str]) -> None:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    publish(stack, [listing(p, entry_id=f"rr-{p}", at=at) for p in plates])
    wanted = {f"rr-{p}" for p in plates}
    wait_until(lambda: wanted <= _recorded(stack, worker), timeout=30,
               what="the entries on the watchlist's record of record")


def _cross(stack: Stack, plates: list[str]) -> None:
    now = dt.datetime.now(dt.UTC)
    publish(stack, [crossing(p, event_id=f"rx-{p}-{uuid.uuid4().hex[:6]}", at=now)
                    for p in plates])


def _leads_by_plate(stack: Stack, agency: Agency, start: dict[int, int],
                    plates: list[str]) -> dict[str, list[Lead]]:
    messages = partner.read_to_end(stack.agency(agency), lead_topic(agency), start)
    leads = [Lead.model_validate_json(m.payload or "") for m in messages]
    return {p: [lead for lead in leads if p in lead.title] for p in plates}


def test_a_new_worker_group_starts_from_the_watchlist_record(
        stack: Stack, tmp_path: Path) -> None:
    run_id = uuid.uuid4().hex[:10]
    prefix = f"test-{run_id}:"
    subscribe(stack, prefix)
    plates = _plates(4)
    first_dir, second_dir = tmp_path / "first", tmp_path / "second"
    first_dir.mkdir()
    second_dir.mkdir()
    proc, first = launch_worker(stack, first_dir, run_id=run_id, prefix=prefix)
    second_proc = None
    try:
        _list(stack, first, plates)
        stop_worker(proc)
        # A new group (its own app id, reading the feeds from their end): the listings on the
        # feed are behind it; only the record of record knows them.
        second_proc, second = launch_worker(stack, second_dir, run_id=f"{run_id}b",
                                            prefix=prefix)
        start = {a: partner.end_offsets(stack.agency(a), lead_topic(a))
                 for a in (Agency.HSI, Agency.CBP_OFO)}
        _cross(stack, plates)

        def every_plate_led() -> dict[str, list[Lead]] | None:
            found = _leads_by_plate(stack, Agency.HSI, start[Agency.HSI], plates)
            return found if all(found.values()) else None

        found = wait_until(every_plate_led, timeout=60, what="a lead for every plate",
                           every=0.5)
        assert {p: len(ls) for p, ls in found.items()} == dict.fromkeys(plates, 1)
        assert all(lead.rule_hits[0].rule_id == "watchlist-vehicle-crossing"
                   for (lead,) in found.values())
        for (lead,) in found.values():  # the audit has every decision of every lead
            audit = wait_until(lambda lead_id=lead.lead_id: audit_of(stack, second, lead_id),
                               timeout=10, what="the lead's audit")
            assert audit["1:HSI"].startswith("sent")
            assert audit["1:CBP-OFO"].startswith("sent")
        assert "seeded with" in second.log.read_text()
    finally:
        for each in (proc, second_proc):
            if each is not None and each.poll() is None:
                stop_worker(each)
        forget(stack, prefix)


def test_a_removed_subscription_gets_nothing_from_the_next_batch_on(
        stack: Stack, worker: Worker) -> None:
    (plate,) = _plates(1)
    _list(stack, worker, [plate])
    remove_subscription(stack.admin, worker.topics.subscriptions, Agency.CBP_OFO)
    start = {a: partner.end_offsets(stack.agency(a), lead_topic(a))
             for a in (Agency.HSI, Agency.CBP_OFO)}
    _cross(stack, [plate])
    (lead,) = wait_until(lambda: _leads_by_plate(stack, Agency.HSI, start[Agency.HSI],
                                                 [plate])[plate], timeout=30,
                         what="the lead to HSI")
    audit = wait_until(lambda: audit_of(stack, worker, lead.lead_id), timeout=10,
                       what="the lead's audit")
    assert "1:CBP-OFO" not in audit  # no subscription, no decision, nothing sent
    assert _leads_by_plate(stack, Agency.CBP_OFO, start[Agency.CBP_OFO], [plate])[plate] == []
