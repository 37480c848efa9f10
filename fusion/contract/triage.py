"""What people and partners do with a lead after it went out: the triage actions on
``triage.actions`` (keyed by ``lead_id``, retained like the audit).

One model for every channel, so that dispatch (acknowledgement deadlines, escalation,
recalls) and the watch officers' dashboard read and write the same thing:

- a partner acknowledges a lead revision by a Kafka record or an authenticated HTTP call
  (the dispatch-policy issue), an officer from the dashboard (the dashboard issue);
- ``confirm`` and ``dismiss`` (with a reason) feed each rule's precision; ``withdraw``
  asks dispatch to recall the lead from every earlier recipient.

Pure model; who may write which action is the adapters' and the ACLs' business.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AwareDatetime, Field, StringConstraints

from fusion.contract.codes import Agency
from fusion.contract.envelope import _Wire
from fusion.contract.text import Printable
from fusion.contract.topics import TRIAGE_TOPIC

Identifier = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                              max_length=128), Printable()]
Note = Annotated[str, StringConstraints(max_length=2000), Printable(line_breaks=True)]


class TriageKind(StrEnum):
    ACKNOWLEDGE = "acknowledge"  # someone at ``agency`` has seen it and owns the follow-up
    ASSIGN = "assign"  # given to ``assignee`` (an officer of the same agency)
    ESCALATE = "escalate"  # to the next step of the agency's escalation chain
    NOTE = "note"  # a free-text note on the lead
    CONFIRM = "confirm"  # the lead was right (counts for its rules' precision)
    DISMISS = "dismiss"  # the lead was wrong or not actionable (``reason`` says which)
    WITHDRAW = "withdraw"  # the lead must be recalled from every recipient


class DismissReason(StrEnum):
    FALSE_POSITIVE = "false-positive"
    DUPLICATE = "duplicate"
    NOT_ACTIONABLE = "not-actionable"


class TriageAction(_Wire):
    schema_version: Literal[1] = 1
    action_id: Identifier = Field(description="Unique per action (a UUID): replays are no-ops.")
    lead_id: Annotated[str, StringConstraints(pattern=r"^L-[0-9a-f]{32}$")]
    revision: int = Field(ge=1, description="The revision the actor saw.")
    kind: TriageKind
    agency: Agency = Field(description="The agency the actor acts for.")
    actor: Identifier = Field(description="Who: an officer's user name, or a partner system.")
    channel: Literal["dashboard", "kafka", "http"]
    at: AwareDatetime
    assignee: Identifier | None = None
    dismiss_reason: DismissReason | None = None
    note: Note | None = None


__all__ = ["TRIAGE_TOPIC", "DismissReason", "TriageAction", "TriageKind"]
