"""What the escalation service must send at time ``now`` (pure: the clock is passed in).

The state is folded from Kafka: each "sent" audit entry starts (or extends) a wait of one
agency for one lead; an acknowledgement of revision r by that agency ends the wait for every
revision up to r; a withdrawn lead waits for nobody; each notice fired is remembered by its
id. A wait starts at the send time of the agency's first unacknowledged revision and runs on
the most urgent priority among its unacknowledged revisions, so a lead re-issued every few
minutes cannot push its escalation back, and one raised to FLASH escalates on FLASH's clock.

Step ``i`` of the agency's chain is due ``after_i`` deadlines after the wait's start, its
reminders every ``remind_every`` deadlines after it (at most ``reminders``, and none at or
after the next step). An officer's ``escalate`` action at time t (for the officer's agency)
pulls the next step not pulled yet whose time is after t forward to t; which step each
request pulls follows from the requests and the schedule alone, so a restart that reads
them again pulls the same steps (whose ids are fired already).

``due`` lists every notice that is due and not fired, oldest first: a service that was down
when notices fell due fires each of them once when it is back (none skipped, none twice,
because the fired ids are on its audit topic).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace

from fusion.contract import Agency, Priority
from fusion.contract.escalation import EscalationPolicy, EscalationStep

PolicyFor = Callable[[Agency], EscalationPolicy]
WaitKey = tuple[str, Agency]  # (lead_id, the agency that has to acknowledge)


@dataclass(frozen=True, slots=True)
class Sent:
    revision: int
    priority: Priority
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class DueNotice:
    """One notice to send: a step of the chain (``reminder`` 0) or one of its reminders."""

    notice_id: str
    lead_id: str
    agency: Agency  # the agency that has not acknowledged
    revision: int  # its newest unacknowledged revision
    priority: Priority
    step: int
    step_name: str
    to: Agency  # whose notices topic
    reminder: int
    sent_at: dt.datetime
    deadline: dt.datetime
    due_at: dt.datetime

    @property
    def kind(self) -> str:
        return "escalation" if self.reminder == 0 else "reminder"


def notice_id(lead_id: str, agency: Agency, *, since_revision: int, step: int,
              reminder: int) -> str:
    """``L-…/HSI/r1/s0/n0``: the wait (lead, agency, its first unacknowledged revision),
    the step and the reminder: the same notice always has the same id."""
    return f"{lead_id}/{agency.value}/r{since_revision}/s{step}/n{reminder}"


@dataclass
class EscalationState:
    sent: dict[WaitKey, dict[int, Sent]] = field(default_factory=dict)
    acked: dict[WaitKey, int] = field(default_factory=dict)  # highest revision acknowledged
    withdrawn: set[str] = field(default_factory=set)
    fired: set[str] = field(default_factory=set)
    escalations: dict[WaitKey, dict[str, dt.datetime]] = field(default_factory=dict)

    def record_sent(self, lead_id: str, agency: Agency, *, revision: int, priority: Priority,
                    at: dt.datetime) -> None:
        """A "sent" audit entry. The first entry of a revision counts (a replay is not a
        new send)."""
        self.sent.setdefault((lead_id, agency), {}).setdefault(
            revision, Sent(revision, priority, at))

    def record_ack(self, lead_id: str, agency: Agency, *, revision: int) -> None:
        key = (lead_id, agency)
        self.acked[key] = max(revision, self.acked.get(key, 0))

    def record_escalation(self, lead_id: str, agency: Agency, *, action_id: str,
                          at: dt.datetime) -> None:
        """An officer of ``agency`` asked to escalate now (a replayed action counts once)."""
        self.escalations.setdefault((lead_id, agency), {}).setdefault(action_id, at)

    def record_withdrawn(self, lead_id: str) -> None:
        self.withdrawn.add(lead_id)

    def record_fired(self, notice: str) -> None:
        self.fired.add(notice)

    def forget_before(self, horizon: dt.datetime) -> None:
        """Drop waits whose every send lies before ``horizon`` (bounded memory; the service's
        horizon: older leads are escalated no more)."""
        for key in [k for k, revs in self.sent.items()
                    if all(s.at < horizon for s in revs.values())]:
            del self.sent[key]
            self.acked.pop(key, None)
            self.escalations.pop(key, None)

    def unacknowledged(self, key: WaitKey) -> list[Sent]:
        if key[0] in self.withdrawn:
            return []
        done = self.acked.get(key, 0)
        return sorted((s for r, s in self.sent.get(key, {}).items() if r > done),
                      key=lambda s: s.revision)


def schedule(lead_id: str, agency: Agency, waiting: list[Sent], policy: EscalationPolicy,
             requests: Iterable[dt.datetime] = ()) -> list[DueNotice]:
    """Every notice of one wait, in the order they fall due (steps and reminders), the
    steps officers' escalate ``requests`` pulled forward included."""
    natural = list(_natural(lead_id, agency, waiting, policy))
    if not natural:
        return []
    start = natural[0].sent_at
    pulled: dict[str, dt.datetime] = {}
    for at in sorted(t for t in requests if t >= start):
        step = next((n for n in natural if n.reminder == 0 and n.due_at > at
                     and n.notice_id not in pulled), None)
        if step is not None:
            pulled[step.notice_id] = at
    out = [replace(n, due_at=pulled[n.notice_id]) if n.notice_id in pulled else n
           for n in natural]
    return sorted(out, key=lambda n: (n.due_at, n.step, n.reminder))


def _natural(lead_id: str, agency: Agency, waiting: list[Sent],
             policy: EscalationPolicy) -> Iterator[DueNotice]:
    if not waiting:
        return
    start = min(s.at for s in waiting)
    priority = min((s.priority for s in waiting), key=lambda p: p.rank)
    revision = max(s.revision for s in waiting)
    since = min(s.revision for s in waiting)
    seconds = policy.deadline(priority)
    deadline = start + dt.timedelta(seconds=seconds)
    for index, step in enumerate(policy.steps):
        nxt = policy.steps[index + 1].after if index + 1 < len(policy.steps) else None
        for reminder, at in _times(step, nxt):
            yield DueNotice(
                notice_id=notice_id(lead_id, agency, since_revision=since, step=index,
                                    reminder=reminder),
                lead_id=lead_id, agency=agency, revision=revision, priority=priority,
                step=index, step_name=step.name, to=step.to or agency, reminder=reminder,
                sent_at=start, deadline=deadline,
                due_at=start + dt.timedelta(seconds=at * seconds))


def _times(step: EscalationStep, next_after: float | None) -> Iterator[tuple[int, float]]:
    """(reminder number, deadlines after the start) of a step and its reminders."""
    yield 0, step.after
    for n in range(1, step.reminders + 1):
        at = step.after + n * step.remind_every
        if next_after is not None and at >= next_after:
            return
        yield n, at


def due(state: EscalationState, policy_for: PolicyFor, now: dt.datetime) -> list[DueNotice]:
    """Every notice due at ``now`` and not fired yet, oldest first."""
    out = [notice for key in state.sent
           for notice in _schedule(state, key, policy_for)
           if notice.due_at <= now and notice.notice_id not in state.fired]
    return sorted(out, key=lambda n: (n.due_at, n.notice_id))


def next_due_at(state: EscalationState, policy_for: PolicyFor) -> dt.datetime | None:
    """When the next notice not fired yet falls due (None: nothing is waiting)."""
    times = [notice.due_at for key in state.sent
             for notice in _schedule(state, key, policy_for)
             if notice.notice_id not in state.fired]
    return min(times, default=None)


def overdue(state: EscalationState, policy_for: PolicyFor, now: dt.datetime) -> int:
    """How many (lead, agency) waits are past their acknowledgement deadline at ``now``."""
    count = 0
    for key in state.sent:
        waits = _schedule(state, key, policy_for)
        if waits and waits[0].deadline <= now:
            count += 1
    return count


def _schedule(state: EscalationState, key: WaitKey, policy_for: PolicyFor) -> list[DueNotice]:
    return schedule(*key, state.unacknowledged(key), policy_for(key[1]),
                    state.escalations.get(key, {}).values())
