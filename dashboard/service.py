"""The dashboard's running state: the board folded from Kafka, who is waiting for changes,
and the officers' actions published and applied (no HTTP here: ``dashboard/web`` serves it).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from pydantic import ValidationError

from adapters.kafka.dashboard_feed import FeedRecord
from dashboard.board import Board
from dashboard.seizures import Seizure, SeizureLog
from fusion.contract import Agency, Feed, Lead, feed_topic, parse_feed_topic
from fusion.contract.audit import AuditEntry
from fusion.contract.decoding import ValidEvent, decode_event
from fusion.contract.feeds import FEEDS
from fusion.contract.triage import DismissReason, TriageAction, TriageKind

log = logging.getLogger(__name__)
AGENCY_OF_SLUG = {a.slug: a for a in Agency}


def seizure_topics() -> list[str]:
    """Every agency's seizure feed (``feeds.<agency>.seizures``)."""
    return sorted(feed_topic(a, Feed.SEIZURES) for a in FEEDS[Feed.SEIZURES].publishers)


class Publisher(Protocol):
    """What publishes actions (``adapters.kafka.dashboard_feed.TriagePublisher``)."""

    async def publish(self, records: Sequence[tuple[str, bytes]]) -> None: ...


@dataclass(frozen=True)
class ActionRequest:
    lead_id: str
    revision: int
    kind: TriageKind
    assignee: str | None = None
    dismiss_reason: DismissReason | None = None
    note: str | None = None


class DashboardService:
    def __init__(self, *, audit_topic: str, triage_topic: str, publisher: Publisher,
                 clock: Callable[[], dt.datetime]) -> None:
        self.board = Board()
        self.seizures = SeizureLog()
        self._audit_topic, self._triage_topic = audit_topic, triage_topic
        self._publisher = publisher
        self._clock = clock
        self._changed = asyncio.Condition()
        self.refused_records = 0

    async def take(self, records: list[FeedRecord]) -> None:
        """Fold records read from Kafka into the board; wake the live pages if it changed."""
        before = self.board.version
        for record in records:
            try:
                self._apply(record)
            except ValidationError as exc:
                self.refused_records += 1
                log.warning("skipped %s[%d]@%d: not a %s (%d errors, first: %s)",
                            record.topic, record.partition, record.offset,
                            self._kind(record.topic), exc.error_count(),
                            exc.errors()[0]["msg"])
        if self.board.version != before:
            async with self._changed:
                self._changed.notify_all()

    def _kind(self, topic: str) -> str:
        if topic == self._audit_topic:
            return "audit entry"
        return "triage action" if topic == self._triage_topic else "lead"

    def _apply(self, record: FeedRecord) -> None:
        feed = parse_feed_topic(record.topic)
        if feed is not None:
            if feed[1] == Feed.SEIZURES.value:
                self._seizure(record)
            return
        if record.topic == self._audit_topic:
            self.board.add_decision(AuditEntry.model_validate_json(record.value))
        elif record.topic == self._triage_topic:
            self.board.add_action(TriageAction.model_validate_json(record.value))
        else:
            agency = AGENCY_OF_SLUG.get(record.topic.removeprefix("leads."))
            if agency is not None:
                self.board.add_lead(Lead.model_validate_json(record.value), agency=agency,
                                    written_at=record.written_at)

    def _seizure(self, record: FeedRecord) -> None:
        """A seizure report as the intake would accept it; the intake dead-letters the
        others (with the reason), so here they are only counted."""
        decoded = decode_event(record.value, topic=record.topic)
        seizure = Seizure.of(decoded) if isinstance(decoded, ValidEvent) else None
        if seizure is None:
            self.refused_records += 1
            log.debug("skipped %s[%d]@%d: not a valid seizure report", record.topic,
                      record.partition, record.offset)
            return
        self.seizures.add(seizure)

    async def wait_for_change(self, version: int, *, timeout: float) -> int:
        """The board's version once it is past ``version``, or after ``timeout`` seconds."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._changed.wait_for(lambda: self.board.version != version), timeout)
        return self.board.version

    async def act(self, requests: Sequence[ActionRequest], *, agency: Agency,
                  actor: str) -> list[TriageAction]:
        """Publish the actions (the broker confirms them first), then show them at once;
        reading them back later changes nothing (same action ids)."""
        now = self._clock()
        actions = [TriageAction(action_id=str(uuid.uuid4()), lead_id=r.lead_id,
                                revision=r.revision, kind=r.kind, agency=agency, actor=actor,
                                channel="dashboard", at=now, assignee=r.assignee,
                                dismiss_reason=r.dismiss_reason, note=r.note)
                   for r in requests]
        if not actions:
            return []
        await self._publisher.publish([(a.lead_id, a.model_dump_json().encode())
                                       for a in actions])
        changed = [self.board.add_action(a) for a in actions]
        if any(changed):
            async with self._changed:
                self._changed.notify_all()
        for a in actions:
            log.info("%s (%s) %s %s r%d", actor, agency.value, a.kind.value, a.lead_id,
                     a.revision)
        return actions
