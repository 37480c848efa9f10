"""The escalation service (``fusion escalation serve``): acknowledgement deadlines on the wall
clock, escalation notices and reminders, partners' acknowledgements, recalls.

At start it folds the audit, triage actions, candidate leads and retractions of the last
``horizon``, the policies and its own audit chain (``EscalationFold``) up to their end
offsets, and only then fires anything: a notice fired before a restart is on its chain
(record key: the notice id) and is not fired again; one that fell due while it was down
fires at once. Then, every ``tick`` at most (sooner when a notice falls due):

1. partners' acknowledgements on ``acks.<slug>``: checked (``check_partner_ack``), sent to
   ``triage.actions`` or, refused, to ``feeds.dlq``, with the acks' offsets, in one
   transaction;
2. notices due (``leads.escalation.due``): each on its step's ``notices.<slug>`` and sealed
   on ``audit.escalations``, in one transaction;
3. recalls planned (``EscalationFold.recalls``): each recall or correction revision on
   ``internal.leads`` (the lead's partition, ``fusion-recall-to`` listing the earlier
   recipients), which the dispatcher sends and audits like any revision;
4. whatever arrived on the folded topics.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable

from adapters.kafka.access import KafkaAccess
from adapters.kafka.escalation_io import AckInbox, Outgoing, TopicsReader, Transactions
from fusion.contract import DEAD_LETTER_TOPIC, Agency, Rejection
from fusion.contract.acks import check_partner_ack
from fusion.contract.escalation import EscalationNotice
from fusion.contract.topics import ack_topic, notice_topic
from fusion.contract.triage import TriageAction
from fusion.errors import DependencyUnavailableError
from leads.audit_chain import seal
from leads.escalation import DueNotice, due, next_due_at, overdue
from stream_apps.dead_letters import RecordOrigin, dead_letter, dead_letter_key
from stream_apps.escalation_fold import EscalationFold, FoldTopics
from stream_apps.escalation_metrics import EscalationMetrics
from stream_apps.escalation_settings import EscalationSettings
from stream_apps.records import APP_HEADER, RECALL_HEADER

log = logging.getLogger(__name__)
PRUNE_EVERY = dt.timedelta(minutes=1)


class EscalationService:
    def __init__(self, settings: EscalationSettings, *, access: KafkaAccess, audit_key: bytes,
                 metrics: EscalationMetrics, clock: Callable[[], dt.datetime]) -> None:
        self._settings, self._key, self._metrics, self._clock = settings, audit_key, metrics, clock
        s = settings
        self.fold = EscalationFold(FoldTopics(
            audit=s.audit_topic, escalation_audit=s.escalation_audit_topic,
            policies=s.escalation_topic, triage=s.triage_topic, leads=s.leads_topic,
            retractions=s.retractions_topic))
        since = clock() - dt.timedelta(seconds=s.horizon)
        self._reader = TopicsReader(access, client_id="fusion-escalation", starts={
            s.audit_topic: since, s.triage_topic: since, s.leads_topic: since,
            s.retractions_topic: since, s.escalation_topic: None,
            s.escalation_audit_topic: None})
        self._inbox = AckInbox(access, topics=[ack_topic(a) for a in Agency],
                               group=f"{s.escalation_id}-acks")
        self._tx = Transactions(access, transactional_id=f"{s.escalation_id}-notices")
        self._lock = asyncio.Lock()  # one transaction at a time (HTTP acks beside the loop)
        self.ready = False
        self.problem: str | None = None  # why the last round failed (for /healthz)
        self._live_from = 0
        self._next_prune = clock()

    async def start(self) -> None:
        await self._tx.start()
        await self._reader.start()
        await self._inbox.start()
        for r in await self._reader.caught_up():
            self.fold.apply(r.topic, r.key, r.value)
        self._live_from = len(self.fold.recalls_seen)  # count only recalls sent from now on
        self.ready = True
        log.info("escalation service caught up: %d waits, %d notices fired before, %d "
                 "policies", len(self.fold.state.sent), len(self.fold.state.fired),
                 len(self.fold.policies))

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await self.step()
                self.problem = None
            except DependencyUnavailableError as exc:
                self.problem = str(exc)
                log.error("escalation round failed, tried again in 1 s: %s", exc)
                await asyncio.sleep(1)
                continue
            wait = self._settings.tick
            upcoming = next_due_at(self.fold.state, self.fold.policy_for)
            if upcoming is not None:
                wait = min(wait, max(0.0, (upcoming - self._clock()).total_seconds()))
            for r in await self._reader.poll(int(wait * 1000)):
                self.fold.apply(r.topic, r.key, r.value)

    async def step(self) -> None:
        """One round: acknowledgements forwarded, notices due fired, recalls issued."""
        await self._forward_acks()
        now = self._clock()
        await self._fire(due(self.fold.state, self.fold.policy_for, now), now)
        await self._recall(now)
        if now >= self._next_prune:
            self.fold.forget_before(now - dt.timedelta(seconds=self._settings.horizon))
            self._next_prune = now + PRUNE_EVERY
        self._metrics.overdue.set(overdue(self.fold.state, self.fold.policy_for, now))
        self._metrics.waiting.set(sum(1 for k in self.fold.state.sent
                                      if self.fold.state.unacknowledged(k)))
        for status in self.fold.recalls_seen[self._live_from:]:
            self._metrics.recalls_sent.labels(status).inc()
        self._live_from = len(self.fold.recalls_seen)
        self._metrics.rounds.inc()

    async def acknowledge_http(self, action: TriageAction) -> None:
        """An acknowledgement checked by the HTTP endpoint, on triage.actions once the broker
        has it."""
        async with self._lock:
            await self._tx.commit([Outgoing(self._settings.triage_topic,
                                            action.lead_id.encode(),
                                            action.model_dump_json().encode())])
        self.count_http("accepted")

    def count_http(self, outcome: str) -> None:
        self._metrics.acknowledgements.labels("http", outcome).inc()

    async def _forward_acks(self) -> None:
        records = await self._inbox.poll(0)
        if not records:
            return
        out, offsets, counted = [], {}, []
        for r in records:
            agency = next(a for a in Agency if ack_topic(a) == r.topic)
            checked = check_partner_ack(r.value, agency=agency, channel="kafka")
            origin = RecordOrigin(r.topic, r.partition, r.offset, r.timestamp_ms, r.key)
            if isinstance(checked, Rejection):
                letter = dead_letter(checked, value=r.value, origin=origin, now=self._clock())
                out.append(Outgoing(DEAD_LETTER_TOPIC, dead_letter_key(origin),
                                    letter.model_dump_json().encode()))
                counted.append("refused")
                log.warning("refused an acknowledgement on %s@%d: %s", r.topic, r.offset,
                            "; ".join(f"{e.field}: {e.message}" for e in checked.errors))
            else:
                out.append(Outgoing(self._settings.triage_topic, checked.lead_id.encode(),
                                    checked.model_dump_json().encode()))
                counted.append("accepted")
            offsets[r.topic, r.partition] = r.offset + 1
        try:
            async with self._lock:
                await self._tx.commit(out, offsets=offsets, group=self._inbox.group)
        except Exception:
            await self._inbox.rewind()
            raise
        for outcome in counted:
            self._metrics.acknowledgements.labels("kafka", outcome).inc()

    async def _fire(self, notices: list[DueNotice], now: dt.datetime) -> None:
        if not notices:
            return
        out, head = [], self.fold.head
        for n in notices:
            body = EscalationNotice(
                notice_id=n.notice_id, kind="escalation" if n.reminder == 0 else "reminder",
                lead_id=n.lead_id, revision=n.revision, priority=n.priority,
                unacknowledged_by=n.agency, step=n.step, step_name=n.step_name,
                reminder=n.reminder, sent_at=n.sent_at, deadline=n.deadline, due_at=n.due_at,
                issued_at=now)
            out.append(Outgoing(notice_topic(n.to), n.lead_id.encode(),
                                body.model_dump_json().encode()))
            entry, head = seal(self._entry_fields(n, now), head, self._key)
            out.append(Outgoing(self._settings.escalation_audit_topic, n.notice_id.encode(),
                                entry.model_dump_json().encode(), partition=0))
        async with self._lock:
            await self._tx.commit(out)
        self.fold.head = head
        for n in notices:
            self.fold.state.record_fired(n.notice_id)
            self._metrics.notices.labels(n.kind, n.to.value).inc()
            log.info("%s %s: %s step %d (%s, %s) for %s, due %s", n.kind, n.notice_id,
                     n.lead_id, n.step, n.step_name, n.to.value, n.agency.value,
                     n.due_at.isoformat())

    def _entry_fields(self, n: DueNotice, now: dt.datetime) -> dict[str, object]:
        tlp, rules = self.fold.handling[n.lead_id]
        outcome = "escalated" if n.reminder == 0 else "reminded"
        what = f"reminder {n.reminder} of " if n.reminder else ""
        return {"chain": 0, "lead_id": n.lead_id, "revision": n.revision, "agency": n.agency,
                "outcome": outcome, "priority": n.priority, "tlp": tlp, "rules": rules,
                "reason": f"{what}step {n.step + 1} ({n.step_name}, to {n.to.value}): not "
                          f"acknowledged by {n.deadline.isoformat()}; notice {n.notice_id}",
                "decided_at": now}

    async def _recall(self, now: dt.datetime) -> None:
        planned = self.fold.recalls(now)
        impossible = self.fold.take_impossible()
        if impossible:
            self._metrics.recalls_impossible.inc(impossible)
        if not planned:
            return
        out = [Outgoing(self._settings.leads_topic, p.recall.lead.lead_id.encode(),
                        p.recall.lead.model_dump_json().encode(),
                        headers=((RECALL_HEADER, p.recall.header),
                                 (APP_HEADER, self._settings.app_id.encode())),
                        partition=p.partition) for p in planned]
        try:
            async with self._lock:
                await self._tx.commit(out)
        except DependencyUnavailableError:
            self.fold.not_issued(planned)
            raise
        self.fold.issued(planned)
        for p in planned:
            self._metrics.recalls_issued.labels(p.recall.lead.status.value).inc()
            log.info("%s revision %d of %s to %s", p.recall.lead.status.value,
                     p.recall.lead.revision, p.recall.lead.lead_id,
                     p.recall.header.decode())

    async def close(self) -> None:
        await self._inbox.stop()
        await self._reader.stop()
        await self._tx.stop()
