"""Where a lead stands for an agency, folded from triage actions: per agency, whatever the
order the actions were read in, and the verdict its rules' precision counts."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from dashboard.triage_state import LeadState, fold, verdict
from fusion.contract import Agency
from fusion.contract.triage import DismissReason, TriageKind
from tests.dashboard_factories import action, make_lead
from tests.factories import T0

LEAD = make_lead()


def _at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def test_a_lead_nobody_acted_on_is_new() -> None:
    view = fold([], Agency.HSI)
    assert view.state is LeadState.NEW
    assert not view.acknowledged


def test_an_acknowledgement_counts_for_its_own_agency_only() -> None:
    acts = [action(LEAD, TriageKind.ACKNOWLEDGE, agency=Agency.HSI, actor="ana")]
    hsi, cbp = fold(acts, Agency.HSI), fold(acts, Agency.CBP_OFO)
    assert (hsi.state, hsi.acknowledged_by, hsi.acknowledged_revision) == (
        LeadState.ACKNOWLEDGED, "ana", 1)
    assert cbp.state is LeadState.NEW


def test_assign_escalate_and_a_dismissal_close_the_lead_with_its_reason() -> None:
    acts = [action(LEAD, TriageKind.ASSIGN, assignee="ben", at=_at(1)),
            action(LEAD, TriageKind.ESCALATE, at=_at(2)),
            action(LEAD, TriageKind.DISMISS, at=_at(3), reason=DismissReason.DUPLICATE),
            action(LEAD, TriageKind.ACKNOWLEDGE, at=_at(4))]
    view = fold(acts, Agency.HSI)
    assert view.acknowledged_at == _at(1)  # assigning it was seeing it
    assert (view.assignee, view.escalations) == ("ben", 1)
    assert (view.state, view.dismiss_reason) == (LeadState.DISMISSED, DismissReason.DUPLICATE)
    assert len(view.actions) == 4  # the late acknowledgement is shown, reopens nothing


@given(st.permutations(range(5)))
def test_the_state_does_not_depend_on_the_order_actions_are_read(order: list[int]) -> None:
    kinds = [TriageKind.ACKNOWLEDGE, TriageKind.NOTE, TriageKind.ASSIGN, TriageKind.ESCALATE,
             TriageKind.CONFIRM]
    acts = [action(LEAD, kind, at=_at(i), assignee="ben" if kind is TriageKind.ASSIGN else None)
            for i, kind in enumerate(kinds)]
    reference = fold(acts, Agency.HSI)
    shuffled = fold([acts[i] for i in order], Agency.HSI)
    assert shuffled.state is reference.state is LeadState.CONFIRMED
    assert shuffled.actions == reference.actions


def test_the_verdict_is_the_latest_confirm_or_dismiss_of_any_agency() -> None:
    assert verdict([action(LEAD, TriageKind.ACKNOWLEDGE)]) is None
    acts = [action(LEAD, TriageKind.CONFIRM, agency=Agency.HSI, at=_at(1)),
            action(LEAD, TriageKind.DISMISS, agency=Agency.CBP_OFO, at=_at(2),
                   reason=DismissReason.FALSE_POSITIVE)]
    assert verdict(acts) is TriageKind.DISMISS
    assert verdict(acts[:1]) is TriageKind.CONFIRM
