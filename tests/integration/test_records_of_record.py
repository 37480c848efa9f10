"""Kafka is the system of record, Redis a cache: Redis stopped and started again mid-stream
(its files kept, or wiped) loses no lead, sends none twice, and leaves the audit complete;
a removed subscription stops the leads to that agency from the next batch on."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from adapters.kafka.subscriptions import remove_subscription
from fusion.contract import Agency, Lead, lead_topic
from tests.factories import crossing, listing
from tests.integration import partner
from tests.integration.conftest import ROOT, Stack, Worker, audit_of, wait_until
from tests.integration.drivers import publish

pytestmark = pytest.mark.integration

DEPLOY = ROOT / "deploy"


def _redis(action: str) -> None:
    subprocess.run([str(DEPLOY / f"redis-{action}.sh")], check=True, timeout=60,
                   env=os.environ.copy(), capture_output=True)


def _plates(n: int) -> list[str]:
    run = uuid.uuid4().int % 10_000  # digits only: plate matching folds O/0, I/1, B/8
    return [f"RR{run:04d}{i:02d}" for i in range(n)]


def _list(stack: Stack, worker: Worker, plates: list[str]) -> None:
    at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    publish(stack, [listing(p, entry_id=f"rr-{p}", at=at) for p in plates])
    wait_until(lambda: all(stack.redis.exists(f"{worker.prefix}wl:entry:HSI/rr-{p}")
                           for p in plates), timeout=30, what="the watchlist in Redis")


def _cross(stack: Stack, plates: list[str]) -> None:
    now = dt.datetime.now(dt.UTC)
    publish(stack, [crossing(p, event_id=f"rx-{p}-{uuid.uuid4().hex[:6]}", at=now)
                    for p in plates])


def _leads_by_plate(stack: Stack, agency: Agency, start: dict[int, int],
                    plates: list[str]) -> dict[str, list[Lead]]:
    messages = partner.read_to_end(stack.agency(agency), lead_topic(agency), start)
    leads = [Lead.model_validate_json(m.payload or "") for m in messages]
    return {p: [lead for lead in leads if p in lead.title] for p in plates}


@pytest.mark.parametrize("wipe", [False, True], ids=["files-kept", "files-wiped"])
def test_a_redis_restart_loses_no_lead_and_sends_none_twice(
        stack: Stack, worker: Worker, wipe: bool) -> None:
    plates = _plates(6)
    _list(stack, worker, plates)
    start = {a: partner.end_offsets(stack.agency(a), lead_topic(a))
             for a in (Agency.HSI, Agency.CBP_OFO)}
    _redis("stop")
    try:
        if wipe:  # the append-only file and any snapshot: Redis comes back empty
            run_dir = Path(os.environ["FUSION_RUN_DIR"]) / "redis"
            shutil.rmtree(run_dir / "appendonlydir", ignore_errors=True)
            (run_dir / "dump.rdb").unlink(missing_ok=True)
        _cross(stack, plates[:3])  # the worker holds these batches while Redis is down
    finally:
        _redis("start")
    _cross(stack, plates[3:])

    def every_plate_led() -> dict[str, list[Lead]] | None:
        found = _leads_by_plate(stack, Agency.HSI, start[Agency.HSI], plates)
        return found if all(found.values()) else None

    found = wait_until(every_plate_led, timeout=60, what="a lead for every plate", every=0.5)
    assert {p: len(ls) for p, ls in found.items()} == dict.fromkeys(plates, 1)
    cbp = _leads_by_plate(stack, Agency.CBP_OFO, start[Agency.CBP_OFO], plates)
    assert {p: len(ls) for p, ls in cbp.items()} == dict.fromkeys(plates, 1)
    for (lead,) in found.values():  # the audit has every decision of every lead
        audit = wait_until(lambda lead_id=lead.lead_id: audit_of(stack, worker, lead_id),
                           timeout=10, what="the lead's audit")
        assert audit["1:HSI"].startswith("sent")
        assert audit["1:CBP-OFO"].startswith("sent")
        assert audit["1:DEA"].startswith("disabled")
    if wipe:
        assert stack.redis.exists(f"{worker.prefix}wl:loaded")  # rebuilt from Kafka


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
