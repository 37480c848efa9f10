"""The escalation core: deadlines per priority, steps and reminders at their times, an
acknowledgement ends the wait, nothing fires twice or is skipped however the service's
checks (and restarts) fall on the clock."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from fusion.contract import Agency, Priority
from fusion.contract.escalation import (
    DEFAULT_DEADLINES,
    EscalationPolicy,
    EscalationStep,
    default_policy,
)
from leads.escalation import EscalationState, Sent, due, next_due_at, overdue, schedule
from tests.factories import T0

LEAD = "L-" + "a" * 32
OTHER = "L-" + "b" * 32
MIN = dt.timedelta(minutes=1)


def policy(agency: Agency) -> EscalationPolicy:
    return default_policy(agency)


def sent(state: EscalationState, *, lead: str = LEAD, agency: Agency = Agency.HSI,
         revision: int = 1, priority: Priority = Priority.FLASH,
         at: dt.datetime = T0) -> None:
    state.record_sent(lead, agency, revision=revision, priority=priority, at=at)


def test_the_default_deadlines_follow_priority() -> None:
    assert DEFAULT_DEADLINES == {Priority.FLASH: 600, Priority.IMMEDIATE: 1800,
                                 Priority.PRIORITY: 7200, Priority.ROUTINE: 28800}
    p = default_policy(Agency.HSI)
    assert [s.name for s in p.steps] == ["duty-desk", "supervisor", "watch-floor"]
    assert p.steps[-1].to is Agency.EPIC


def test_an_unacknowledged_flash_lead_escalates_at_its_deadline_not_before() -> None:
    state = EscalationState()
    sent(state)
    assert due(state, policy, T0 + 10 * MIN - dt.timedelta(seconds=1)) == []
    (notice,) = due(state, policy, T0 + 10 * MIN)
    assert (notice.step_name, notice.to, notice.reminder, notice.kind) == (
        "duty-desk", Agency.HSI, 0, "escalation")
    assert notice.deadline == notice.due_at == T0 + 10 * MIN
    assert next_due_at(state, policy) == T0 + 10 * MIN


def test_the_whole_chain_in_order_with_reminders() -> None:
    state = EscalationState()
    sent(state)
    times = [(n.step_name, n.reminder, (n.due_at - T0) / MIN, n.to)
             for n in schedule(LEAD, Agency.HSI, state.unacknowledged((LEAD, Agency.HSI)),
                               policy(Agency.HSI))]
    assert times == [("duty-desk", 0, 10, Agency.HSI), ("duty-desk", 1, 15, Agency.HSI),
                     ("supervisor", 0, 20, Agency.HSI), ("supervisor", 1, 25, Agency.HSI),
                     ("watch-floor", 0, 30, Agency.EPIC), ("watch-floor", 1, 40, Agency.EPIC),
                     ("watch-floor", 2, 50, Agency.EPIC)]


def test_an_acknowledged_lead_does_not_escalate() -> None:
    state = EscalationState()
    sent(state)
    state.record_ack(LEAD, Agency.HSI, revision=1)
    assert due(state, policy, T0 + dt.timedelta(days=1)) == []
    assert next_due_at(state, policy) is None
    assert overdue(state, policy, T0 + dt.timedelta(days=1)) == 0


def test_an_acknowledgement_by_another_agency_does_not_count() -> None:
    state = EscalationState()
    sent(state)
    state.record_ack(LEAD, Agency.DEA, revision=1)
    assert len(due(state, policy, T0 + 10 * MIN)) == 1


def test_acknowledging_a_later_revision_covers_the_earlier_ones() -> None:
    state = EscalationState()
    sent(state, revision=1)
    sent(state, revision=2, at=T0 + MIN)
    state.record_ack(LEAD, Agency.HSI, revision=2)
    assert due(state, policy, T0 + dt.timedelta(days=1)) == []


def test_a_new_revision_after_an_acknowledgement_needs_its_own() -> None:
    state = EscalationState()
    sent(state, revision=1)
    state.record_ack(LEAD, Agency.HSI, revision=1)
    sent(state, revision=2, at=T0 + 5 * MIN)
    (notice,) = due(state, policy, T0 + 15 * MIN)
    assert (notice.revision, notice.sent_at) == (2, T0 + 5 * MIN)
    assert notice.notice_id.endswith("/r2/s0/n0")


def test_re_issuing_a_lead_does_not_push_its_escalation_back() -> None:
    state = EscalationState()
    sent(state, revision=1)
    sent(state, revision=2, at=T0 + 9 * MIN)
    (notice,) = due(state, policy, T0 + 10 * MIN)
    assert (notice.revision, notice.sent_at) == (2, T0)


def test_a_raised_priority_runs_on_the_more_urgent_clock() -> None:
    state = EscalationState()
    sent(state, revision=1, priority=Priority.ROUTINE)
    assert due(state, policy, T0 + 60 * MIN) == []
    sent(state, revision=2, priority=Priority.FLASH, at=T0 + 60 * MIN)
    notices = due(state, policy, T0 + 60 * MIN)
    assert {n.priority for n in notices} == {Priority.FLASH}
    assert notices[0].step_name == "duty-desk"


def test_a_withdrawn_lead_waits_for_nobody() -> None:
    state = EscalationState()
    sent(state)
    state.record_withdrawn(LEAD)
    assert due(state, policy, T0 + dt.timedelta(days=1)) == []


def test_a_replayed_send_keeps_the_first_time() -> None:
    state = EscalationState()
    sent(state)
    sent(state, at=T0 + 5 * MIN)
    assert due(state, policy, T0 + 10 * MIN)[0].sent_at == T0


def test_waits_are_per_agency_and_counted_overdue() -> None:
    state = EscalationState()
    sent(state, agency=Agency.HSI)
    sent(state, agency=Agency.ANAM, priority=Priority.ROUTINE)
    sent(state, lead=OTHER, agency=Agency.HSI, at=T0 + 5 * MIN)
    assert overdue(state, policy, T0 + 10 * MIN) == 1
    assert overdue(state, policy, T0 + 15 * MIN) == 2
    assert {(n.lead_id, n.agency) for n in due(state, policy, T0 + 15 * MIN)} == {
        (LEAD, Agency.HSI), (OTHER, Agency.HSI)}


def test_an_agency_policy_of_its_own() -> None:
    own = EscalationPolicy(agency=Agency.ANAM, deadlines={Priority.FLASH: 60}, steps=[
        EscalationStep(name="duty-desk", after=1),
        EscalationStep(name="watch-floor", to=Agency.EPIC, after=2)])
    state = EscalationState()
    sent(state, agency=Agency.ANAM)
    notices = due(state, lambda a: own if a is Agency.ANAM else policy(a), T0 + 2 * MIN)
    assert [(n.step_name, n.to) for n in notices] == [("duty-desk", Agency.ANAM),
                                                     ("watch-floor", Agency.EPIC)]
    assert own.deadline(Priority.ROUTINE) == DEFAULT_DEADLINES[Priority.ROUTINE]


@pytest.mark.parametrize("afters", [[2, 1], [1, 1]])
def test_steps_out_of_order_are_refused(afters: list[float]) -> None:
    with pytest.raises(ValidationError, match="one after another"):
        EscalationPolicy(agency=Agency.HSI, steps=[
            EscalationStep(name=f"s{i}", after=a) for i, a in enumerate(afters)])


def test_forgetting_old_waits() -> None:
    state = EscalationState()
    sent(state)
    sent(state, lead=OTHER, at=T0 + dt.timedelta(days=8))
    state.forget_before(T0 + dt.timedelta(days=7))
    assert set(state.sent) == {(OTHER, Agency.HSI)}


@settings(max_examples=200, deadline=None)
@given(checks=st.lists(st.integers(min_value=0, max_value=70 * 60), min_size=1, max_size=40),
       restarts=st.sets(st.integers(min_value=0, max_value=39)),
       ack_at=st.none() | st.integers(min_value=0, max_value=70 * 60))
def test_every_notice_fires_once_at_the_first_check_after_it_is_due(
        checks: list[int], restarts: set[int], ack_at: int | None) -> None:
    """Checks at arbitrary seconds, and restarts between them (the state rebuilt from what
    was sent, acknowledged and fired): each notice due before the last check and before the
    acknowledgement fires exactly once, at the first check at or after its due time."""
    times = sorted(T0 + dt.timedelta(seconds=s) for s in checks)
    full = list(schedule(LEAD, Agency.HSI, [_sent()], policy(Agency.HSI)))
    fired: dict[str, dt.datetime] = {}
    state = _rebuilt(fired, acked=False)
    for i, now in enumerate(times):
        if i in restarts:
            state = _rebuilt(fired, acked=state.acked.get((LEAD, Agency.HSI), 0) > 0)
        if ack_at is not None and now >= T0 + dt.timedelta(seconds=ack_at):
            state.record_ack(LEAD, Agency.HSI, revision=1)
        for notice in due(state, policy, now):
            assert notice.notice_id not in fired
            fired[notice.notice_id] = now
            state.record_fired(notice.notice_id)
    for notice in full:
        first_check = next((t for t in times if t >= notice.due_at), None)
        acked_first = ack_at is not None and first_check is not None and (
            T0 + dt.timedelta(seconds=ack_at) <= first_check)
        if first_check is None or acked_first:
            assert notice.notice_id not in fired
        else:
            assert fired[notice.notice_id] == first_check


def _sent() -> Sent:
    return Sent(1, Priority.FLASH, T0)


def _rebuilt(fired: dict[str, dt.datetime], *, acked: bool) -> EscalationState:
    state = EscalationState()
    sent(state)
    if acked:
        state.record_ack(LEAD, Agency.HSI, revision=1)
    for notice in fired:
        state.record_fired(notice)
    return state


def test_an_officer_escalating_pulls_the_next_step_forward_once() -> None:
    state = EscalationState()
    sent(state)
    state.record_escalation(LEAD, Agency.HSI, action_id="a1", at=T0 + 2 * MIN)
    (desk,) = due(state, policy, T0 + 2 * MIN)
    assert (desk.step_name, desk.due_at) == ("duty-desk", T0 + 2 * MIN)
    state.record_fired(desk.notice_id)
    state.record_escalation(LEAD, Agency.HSI, action_id="a1", at=T0 + 2 * MIN)  # a replay
    state.record_escalation(LEAD, Agency.HSI, action_id="a2", at=T0 + 3 * MIN)
    (supervisor,) = due(state, policy, T0 + 3 * MIN)
    assert (supervisor.step_name, supervisor.due_at) == ("supervisor", T0 + 3 * MIN)
    state.record_fired(supervisor.notice_id)
    # the duty desk's reminder and the watch floor keep their own times
    assert next_due_at(state, policy) == T0 + 15 * MIN
    assert due(state, policy, T0 + 10 * MIN) == []


def test_escalating_after_a_restart_pulls_the_same_steps() -> None:
    def rebuilt(fired: set[str]) -> EscalationState:
        state = EscalationState()
        sent(state)
        state.record_escalation(LEAD, Agency.HSI, action_id="a1", at=T0 + 2 * MIN)
        for notice in fired:
            state.record_fired(notice)
        return state

    first = due(rebuilt(set()), policy, T0 + 2 * MIN)
    assert [n.step_name for n in first] == ["duty-desk"]
    assert due(rebuilt({first[0].notice_id}), policy, T0 + 9 * MIN) == []


def test_another_agencys_escalation_does_not_move_this_wait() -> None:
    state = EscalationState()
    sent(state)
    state.record_escalation(LEAD, Agency.DEA, action_id="a1", at=T0 + 2 * MIN)
    assert due(state, policy, T0 + 2 * MIN) == []
