"""Where a lead stands for one agency, folded from the triage actions on ``triage.actions``
(pure). Actions of every channel count: an officer's from the dashboard, a partner's by Kafka
or HTTP. Each agency has its own state: HSI acknowledging a lead does not acknowledge it for
CBP-OFO.

    new            nobody at the agency has acknowledged it
    acknowledged   someone has (``acknowledged_revision`` says which revision)
    assigned       given to an officer (implies acknowledged)
    escalated      sent up the agency's chain (the dispatch policy's escalation, when it lands)
    confirmed      the lead was right
    dismissed      it was not (``dismiss_reason``)

Confirmed and dismissed close a lead; a later action reopens nothing but is shown.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from fusion.contract import Agency
from fusion.contract.triage import DismissReason, TriageAction, TriageKind


class LeadState(StrEnum):
    NEW = "new"
    ACKNOWLEDGED = "acknowledged"
    ASSIGNED = "assigned"
    ESCALATED = "escalated"
    CONFIRMED = "confirmed"
    DISMISSED = "dismissed"

    @property
    def closed(self) -> bool:
        return self in (LeadState.CONFIRMED, LeadState.DISMISSED)


@dataclass
class TriageView:
    state: LeadState = LeadState.NEW
    acknowledged_by: str | None = None
    acknowledged_at: dt.datetime | None = None
    acknowledged_revision: int | None = None
    assignee: str | None = None
    escalations: int = 0
    dismiss_reason: DismissReason | None = None
    actions: list[TriageAction] = field(default_factory=list)

    @property
    def acknowledged(self) -> bool:
        return self.acknowledged_at is not None


def in_order(actions: Iterable[TriageAction]) -> list[TriageAction]:
    """Oldest first; the action id breaks ties, so every reader folds alike."""
    return sorted(actions, key=lambda a: (a.at, a.action_id))


def fold(actions: Iterable[TriageAction], agency: Agency) -> TriageView:
    """The state of a lead for ``agency`` from all the lead's actions."""
    view = TriageView()
    for action in in_order(a for a in actions if a.agency is agency):
        view.actions.append(action)
        _apply(view, action)
    return view


def _apply(view: TriageView, action: TriageAction) -> None:
    kind = action.kind
    if kind in (TriageKind.ACKNOWLEDGE, TriageKind.ASSIGN, TriageKind.ESCALATE,
                TriageKind.CONFIRM, TriageKind.DISMISS) and not view.acknowledged:
        # Acting on a lead is seeing it: the first action of any of these kinds acknowledges.
        view.acknowledged_by, view.acknowledged_at = action.actor, action.at
        view.acknowledged_revision = action.revision
    if kind is TriageKind.ACKNOWLEDGE and view.acknowledged_revision is not None:
        view.acknowledged_revision = max(view.acknowledged_revision, action.revision)
    if kind is TriageKind.ASSIGN:
        view.assignee = action.assignee
    if kind is TriageKind.ESCALATE:
        view.escalations += 1
    if view.state.closed:
        return
    if kind is TriageKind.CONFIRM:
        view.state = LeadState.CONFIRMED
    elif kind is TriageKind.DISMISS:
        view.state, view.dismiss_reason = LeadState.DISMISSED, action.dismiss_reason
    elif kind is TriageKind.ESCALATE:
        view.state = LeadState.ESCALATED
    elif kind is TriageKind.ASSIGN and view.state is not LeadState.ESCALATED:
        view.state = LeadState.ASSIGNED
    elif kind is TriageKind.ACKNOWLEDGE and view.state is LeadState.NEW:
        view.state = LeadState.ACKNOWLEDGED


def verdict(actions: Iterable[TriageAction]) -> TriageKind | None:
    """What the lead was judged, across agencies: the latest confirm or dismiss (for its
    rules' precision), or None when nobody judged it."""
    judged = [a for a in in_order(actions) if a.kind in (TriageKind.CONFIRM, TriageKind.DISMISS)]
    return judged[-1].kind if judged else None
