"""Hot reload: a rule set published with ``fusion rules publish`` is picked up by a running
worker without a restart, and its new rule leads from then on. Its own control topic, so the
shared one (and other workers) are not touched."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from kafka.admin import NewTopic

from adapters.kafka.clients import open_admin
from adapters.kafka.feed_publisher import FeedPublisher
from fusion.contract import CANDIDATE_LEADS_TOPIC, Agency, Lead
from producers.events import tip_event
from tests.integration import partner
from tests.integration.conftest import (
    FUSION,
    ROOT,
    Stack,
    forget,
    launch_worker,
    metric_value,
    stop_worker,
    subscribe,
    wait_until,
)

pytestmark = pytest.mark.integration

NEW_RULE = """id: {rule_id}
version: 1
title: Tip naming the reload token
description: A test rule that only exists in the published rule set, never on disk.
category: tips
base_score: 40
owner: EPIC
kind: match
when:
  feed: tips
  where: {{field: attributes.text, regex: "{token}"}}
"""


def _control_topic(stack: Stack) -> str:
    topic = f"control.rule-sets.test-{uuid.uuid4().hex[:8]}"
    admin = open_admin(stack.admin, client_id="hot-reload-test")
    try:
        admin.create_topics([NewTopic(topic, 1, 1, topic_configs={"cleanup.policy": "compact"})])
    finally:
        admin.close()
    return topic


def _tip(run: str, n: int, token: str) -> list:  # type: ignore[type-arg]
    return [tip_event(event_id=f"{run}-tip-{n}", agency=Agency.HSI, channel="hotline",
                      occurred_at=dt.datetime.now(dt.UTC), text=f"caller mentions {token}")]


def test_published_rule_set_is_used_without_restart(stack: Stack, tmp_path: Path) -> None:
    run, token = uuid.uuid4().hex[:8], f"TOKEN{uuid.uuid4().hex[:6].upper()}"
    rule_id = f"reload-probe-{run}"
    catalogue = tmp_path / "catalogue"
    shutil.copytree(ROOT / "rules" / "catalogue", catalogue)
    (catalogue / "tips").mkdir()
    (catalogue / "tips" / f"{rule_id}.yaml").write_text(NEW_RULE.format(rule_id=rule_id,
                                                                         token=token))
    topic = _control_topic(stack)
    prefix = f"reload-{run}:"
    subscribe(stack, prefix)  # the readiness probe waits for a dispatch decision
    start = partner.end_offsets(stack.admin, CANDIDATE_LEADS_TOPIC)
    proc, worker = launch_worker(stack, tmp_path, run_id=run, prefix=prefix,
                                 extra_env={"FUSION_RULES_TOPIC": topic})

    def leads_of_new_rule() -> list[Lead]:
        found = [Lead.model_validate_json(m.payload or "") for m in
                 partner.read_to_end(stack.admin, CANDIDATE_LEADS_TOPIC, start)]
        return [lead for lead in found if lead.rule_hits[0].rule_id == rule_id]

    try:
        with FeedPublisher(stack.simulator, client_id="hot-reload-test") as publisher:
            before = metric_value(worker.metrics_url, "fusion_events_correlated_total")
            publisher.publish(_tip(run, 1, token))
            wait_until(lambda: metric_value(worker.metrics_url, "fusion_events_correlated_total")
                       > before, timeout=15, what="the first tip correlated", every=0.1)
            assert leads_of_new_rule() == []  # the rule does not exist yet

            env = {**os.environ, "FUSION_KAFKA_BOOTSTRAP": stack.bootstrap}
            result = subprocess.run([FUSION, "rules", "publish", str(catalogue), "--topic", topic],
                                    env=env, capture_output=True, text=True, timeout=60)
            assert result.returncode == 0, result.stderr
            assert "21 rules" in result.stdout
            wait_until(lambda: metric_value(worker.metrics_url, "fusion_rule_set_loads_total",
                                            'outcome="reload"') >= 1,
                       timeout=20, what="the worker to reload", every=0.1)

            publisher.publish(_tip(run, 2, token))
            (lead,) = wait_until(leads_of_new_rule, timeout=15, what="a lead of the new rule",
                                 every=0.2)
            assert [e.event_id for e in lead.evidence] == [f"{run}-tip-2"]
    finally:
        stop_worker(proc)
        forget(stack, prefix)
