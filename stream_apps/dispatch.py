"""Dispatch stage: candidate leads in; one copy per entitled, subscribed agency out, and every
decision, sent or withheld, on the audit, atomically per input partition.

The routing decision is pure (``leads.routing``, silences by ``leads.silencing``); so are
grouping (``leads.grouping``) and the audit chain (``leads.audit_chain``). Per batch: the
subscriptions and the silences as their topics hold them now (``SubscriptionsView``,
``SilencesView``, never an older set), then, per internal.leads partition, the lead
revisions not decided before (a replay is dropped and counted), their routes, each copy
that would go out planned by grouping (sent now, or held: audited ``held-grouping``), the
copies, the sealed audit entries, the changed grouping states and the partition's next
offset, committed in one Kafka transaction (``adapters.kafka.audit_log``). A timer
(``flush_due``) sends the held revisions whose interval ended, routed again with the
subscriptions and silences of that moment, in a transaction of their own. Metrics count
only what a commit made real.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Collection, Sequence

from pydantic import ValidationError

from adapters.kafka.audit_log import AuditLog, Copy, PartitionLog
from adapters.kafka.group_state import GroupStateLog
from adapters.kafka.silences import SilencesView
from adapters.kafka.subscriptions import SubscriptionsView
from fusion.contract import (
    DEAD_LETTER_TOPIC,
    DeadLetterReason,
    FieldError,
    Lead,
    Rejection,
)
from fusion.contract.silence import Silence
from leads.grouping import (
    Carried,
    GroupState,
    due,
    expired,
    group_key,
    plan,
    released,
    sent,
)
from leads.recall import recall_route
from leads.redaction import FUSION_CENTER_CONTACT
from leads.routing import Decision, Outcome, route
from leads.subscriptions import Subscription
from stream_apps.dead_letters import dead_letter
from stream_apps.dispatch_batch import DispatchBatch
from stream_apps.metrics import WorkerMetrics
from stream_apps.records import InboundRecord

log = logging.getLogger(__name__)
SWEEP_EVERY = dt.timedelta(minutes=1)  # how often states no longer needed are dropped


class DispatchStage:
    def __init__(self, *, subscriptions: SubscriptionsView, silences: SilencesView,
                 audit: AuditLog, groups: GroupStateLog, audit_key: bytes,
                 metrics: WorkerMetrics, clock: Callable[[], dt.datetime],
                 contact: str = FUSION_CENTER_CONTACT) -> None:
        self._subscriptions = subscriptions
        self._silences = silences
        self._audit = audit
        self._groups = groups
        self._key = audit_key
        self._metrics = metrics
        self._clock = clock
        self._contact = contact
        self._revoked: set[int] = set()
        self._states: dict[int, tuple[PartitionLog, dict[str, GroupState]]] = {}
        self._lock = asyncio.Lock()  # the agent and the timer share each partition's producer
        self._next_sweep = dt.datetime.min.replace(tzinfo=dt.UTC)

    def revoked(self, partitions: Collection[int]) -> None:
        """internal.leads partitions taken from this worker: their writers are dropped
        before next use (a later owner may have extended their chains)."""
        self._revoked.update(partitions)

    async def handle(self, records: Sequence[InboundRecord]) -> None:
        async with self._lock:
            await self._forget_revoked()
            subs = await self._subscriptions.current()
            silences = await self._silences.current()
            by_partition: dict[int, list[InboundRecord]] = {}
            for record in records:
                by_partition.setdefault(record.origin.partition, []).append(record)
            for partition, group in sorted(by_partition.items()):
                await self._dispatch(partition, group, subs, silences)

    async def flush_due(self, partitions: Collection[int]) -> None:
        """The wall-clock timer: in each assigned partition, send the held revisions whose
        interval has ended and, once a minute, drop the states no longer needed. The
        subscriptions and silences are read (to their end) only when there is work."""
        async with self._lock:
            await self._forget_revoked()
            now = self._clock()
            sweep = now >= self._next_sweep
            work = []
            for partition in sorted(set(partitions)):
                _, batch = await self._open(partition, now)
                if sweep or due(batch.known.values(), now):
                    work.append(partition)
            if not work:
                return
            subs = await self._subscriptions.current()
            silences = await self._silences.current()
            for partition in work:
                await self._flush(partition, subs, silences)
            if sweep:
                self._next_sweep = now + SWEEP_EVERY

    async def _forget_revoked(self) -> None:
        if self._revoked:
            await self._audit.forget(sorted(self._revoked))
            for partition in self._revoked:
                self._states.pop(partition, None)
            self._revoked.clear()

    async def _open(self, partition: int, now: dt.datetime) -> tuple[PartitionLog, DispatchBatch]:
        part = await self._audit.log_for(partition, now=now)
        known = self._states.get(partition)
        if known is None or known[0] is not part:  # new, or made again after a failure
            known = self._states[partition] = (part, await self._groups.recover(partition))
        return part, DispatchBatch(partition, part.head, self._key, now, self._contact,
                                   self._groups, known[1])

    async def _dispatch(self, partition: int, records: Sequence[InboundRecord],
                        subs: Sequence[Subscription], silences: Sequence[Silence]) -> None:
        now = self._clock()
        part, batch = await self._open(partition, now)
        by_agency = {s.agency: s for s in subs}
        planned: list[tuple[Lead, list[Decision]]] = []
        seen, duplicates, dead = set(part.decided), 0, 0
        for record in records:
            lead = self._decode(record, batch.copies, now)
            if lead is None:
                dead += 1
                continue
            if (lead.lead_id, lead.revision) in seen:
                duplicates += 1
                continue
            seen.add((lead.lead_id, lead.revision))
            recall = recall_route(lead, record.recall_to)  # earlier recipients, not subs
            if recall is not None:
                decisions = [self._recall(batch, lead, record.value or b"", d) for d in recall]
            else:
                decisions = [self._group(batch, lead, record.value or b"", d,
                                         by_agency[d.agency]) if d.send else d
                             for d in route(lead, subs, silences=silences, now=now)]
            for decision in decisions:
                if not decision.send:
                    batch.decide(lead, decision)
            planned.append((lead, decisions))
        await self._audit.commit(part, copies=batch.records(), entries=batch.entries,
                                 next_offset=max(r.origin.offset for r in records) + 1)
        batch.commit_states()
        self._count(planned, duplicates=duplicates, dead=dead, now=self._clock())

    def _recall(self, batch: DispatchBatch, lead: Lead, raw: bytes, decision: Decision
                ) -> Decision:
        """A recall or correction to an earlier recipient: sent now, past grouping and
        silences (a recipient must learn at once that what it holds is wrong), and any
        revision grouping still holds for it dropped (it would bring the recalled lead
        back). The caller audits the decisions that do not send."""
        key = group_key(lead.lead_id, decision.agency)
        before = batch.state(key)
        if before is not None and before.held is not None:  # its fate on the audit too
            batch.coalesced(lead.lead_id, decision, Carried.of(before.held.lead),
                            by=lead.revision)
        if decision.send:
            if before is not None:
                batch.set_state(key, sent(before, lead, batch.now))
            batch.send(lead, raw, decision)
        elif before is not None and before.held is not None:
            batch.set_state(key, released(before))
        return decision

    def _group(self, batch: DispatchBatch, lead: Lead, raw: bytes, decision: Decision,
               sub: Subscription) -> Decision:
        """A decision that would send, as grouping plans it: sent now (the copy and its entry
        added here), held, or stale (their entries added by the caller)."""
        key = group_key(lead.lead_id, decision.agency)
        before = batch.state(key)
        p = plan(before, lead, sub=sub, now=batch.now)
        if p.superseded is not None:
            batch.coalesced(lead.lead_id, decision, p.superseded, by=lead.revision)
        if p.action == "stale":
            return Decision(decision.agency, Outcome.STALE, p.reason)
        batch.set_state(key, p.state)
        if p.action == "hold":
            return Decision(decision.agency, Outcome.HELD, p.reason)
        if before is not None and before.last is not None:  # not the first copy: say why
            decision = Decision(decision.agency, decision.outcome,
                                f"{decision.reason}; {p.reason}"[:500])
        batch.send(lead, raw, decision)
        return decision

    async def _flush(self, partition: int, subs: Sequence[Subscription],
                     silences: Sequence[Silence]) -> None:
        now = self._clock()
        part, batch = await self._open(partition, now)
        by_agency = {s.agency: s for s in subs}
        planned: list[tuple[Lead, list[Decision]]] = []
        for state in due(batch.known.values(), now):
            held = state.held
            if held is None:  # due() returns held states only
                continue
            key = group_key(state.lead_id, state.agency)
            lead = held.lead
            sub = [by_agency[state.agency]] if state.agency in by_agency else []
            decision = next(iter(route(lead, sub, silences=silences, now=now)), None)
            carries = ", ".join(str(c.revision) for c in held.carries) or "none"
            if decision is None:
                decision = Decision(state.agency, Outcome.DISABLED, "no subscription any more")
            if decision.send:
                decision = Decision(decision.agency, decision.outcome, (
                    f"{decision.reason}; held for grouping until {held.due_at.isoformat()}, "
                    f"carries revisions {carries}")[:500])
                batch.send(lead, lead.model_dump_json().encode(), decision)
                batch.set_state(key, sent(state, lead, now))
            else:
                batch.decide(lead, decision)
                batch.set_state(key, released(state))
            planned.append((lead, [decision]))
        for key, state in list(batch.known.items()):
            if key not in batch.changed and expired(state, by_agency.get(state.agency), now):
                batch.set_state(key, None)
        if not batch.changed:
            return
        await self._audit.commit(part, copies=batch.records(), entries=batch.entries,
                                 next_offset=None)
        batch.commit_states()
        self._count(planned, duplicates=0, dead=0, now=self._clock())

    def _count(self, planned: Sequence[tuple[Lead, list[Decision]]], *, duplicates: int,
               dead: int, now: dt.datetime) -> None:
        if duplicates:
            self._metrics.duplicate_leads.inc(duplicates)
        if dead:
            self._metrics.dead_letters.labels(DeadLetterReason.PROCESSING_ERROR.value).inc(dead)
        for lead, decisions in planned:
            for d in decisions:
                self._metrics.dispatch_decisions.labels(d.agency.value, d.outcome.value).inc()
            if any(d.send for d in decisions):
                self._metrics.lead_latency.observe((now - lead.generated_at).total_seconds())

    def _decode(self, record: InboundRecord, copies: list[Copy], now: dt.datetime
                ) -> Lead | None:
        try:
            return Lead.model_validate_json(record.value or b"")
        except ValidationError as exc:
            # Only the worker writes this topic: this is a bug, but the record is kept.
            log.error("undecodable lead at %s[%d]@%d sent to the dead-letter topic: %s",
                      record.origin.topic, record.origin.partition, record.origin.offset, exc)
            rejection = Rejection(DeadLetterReason.PROCESSING_ERROR, tuple(
                FieldError(field=".".join(map(str, e["loc"])), problem=e["type"], message=e["msg"])
                for e in exc.errors(include_url=False)))
            letter = dead_letter(rejection, value=record.value, origin=record.origin, now=now)
            copies.append(Copy(DEAD_LETTER_TOPIC, record.origin.key or b"",
                               letter.model_dump_json().encode()))
            return None
