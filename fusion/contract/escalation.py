"""Acknowledgement deadlines and escalation chains (the control record an administrator sets
with ``fusion escalation set``), and the notice the escalation service sends when a lead is
not acknowledged in time.

``EscalationPolicy`` lives on the compacted ``control.escalation`` (one record per agency,
keyed by its code; a tombstone returns the agency to ``default_policy``). Deadlines are per
priority, in seconds; each step of the chain fires ``after`` deadlines from the moment the
lead was sent (``after=1``: at the deadline, ``after=2``: one deadline later), and may repeat
itself as reminders every ``remind_every`` deadlines until the next step is due.

``EscalationNotice`` goes to ``notices.<slug>`` of the step's agency (the agency that did not
acknowledge, or the fusion center's watch floor). It names the lead, its priority and who
has not acknowledged it, and nothing of the lead's content: a notice may reach the watch
floor of an agency the lead's handling does not release it to.
"""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import AwareDatetime, Field, StringConstraints, model_validator

from fusion.contract.codes import Agency, Priority
from fusion.contract.envelope import _Wire

StepName = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9-]{0,39}$")]
WATCH_FLOOR = Agency.EPIC  # the fusion center itself
DEFAULT_DEADLINES: dict[Priority, int] = {
    Priority.FLASH: 10 * 60, Priority.IMMEDIATE: 30 * 60,
    Priority.PRIORITY: 2 * 3600, Priority.ROUTINE: 8 * 3600,
}
MAX_STEPS = 8
MAX_REMINDERS = 10


class EscalationStep(_Wire):
    name: StepName = Field(description="Who this step reaches: duty-desk, supervisor, ...")
    to: Agency | None = Field(
        default=None, description="Whose notices topic: None is the agency that received "
                                  "the lead; the watch floor is EPIC.")
    after: float = Field(ge=1, le=100, description="Fires this many acknowledgement deadlines "
                                                   "after the lead was sent (1: at the deadline).")
    reminders: int = Field(default=0, ge=0, le=MAX_REMINDERS,
                           description="Repeats of this step's notice before the next step.")
    remind_every: float = Field(default=0.5, gt=0, le=100,
                                description="Deadlines between this step's reminders.")


class EscalationPolicy(_Wire):
    schema_version: Literal[1] = 1
    agency: Agency
    deadlines: dict[Priority, Annotated[int, Field(ge=1, le=7 * 24 * 3600)]] = Field(
        default_factory=lambda: dict(DEFAULT_DEADLINES),
        description="Seconds to acknowledge, per priority (a missing one takes the default).")
    steps: list[EscalationStep] = Field(min_length=1, max_length=MAX_STEPS)

    @model_validator(mode="after")
    def _steps_in_order(self) -> Self:
        afters = [s.after for s in self.steps]
        if afters != sorted(set(afters)) or len(set(afters)) != len(afters):
            raise ValueError("steps must fire one after another: each 'after' larger than "
                             "the one before")
        return self

    def deadline(self, priority: Priority) -> int:
        """Seconds the agency has to acknowledge a lead of ``priority``."""
        return self.deadlines.get(priority, DEFAULT_DEADLINES[priority])


def default_policy(agency: Agency) -> EscalationPolicy:
    """What an agency gets until an administrator sets its own: the default deadlines, then
    its duty desk at the deadline (one reminder half a deadline later), its supervisor one
    deadline later (one reminder), the fusion center's watch floor a deadline after that."""
    return EscalationPolicy(agency=agency, steps=[
        EscalationStep(name="duty-desk", after=1, reminders=1),
        EscalationStep(name="supervisor", after=2, reminders=1),
        EscalationStep(name="watch-floor", to=WATCH_FLOOR, after=3, reminders=2, remind_every=1),
    ])


class EscalationNotice(_Wire):
    """One escalation step or reminder for one lead an agency has not acknowledged."""

    schema_version: Literal[1] = 1
    notice_id: str = Field(max_length=200, description="Deterministic: the same step of the "
                                                       "same wait always has the same id.")
    kind: Literal["escalation", "reminder"]
    lead_id: Annotated[str, StringConstraints(pattern=r"^L-[0-9a-f]{32}$")]
    revision: int = Field(ge=1, description="The newest revision the agency was sent.")
    priority: Priority
    unacknowledged_by: Agency
    step: int = Field(ge=0, description="Position in the chain, from 0.")
    step_name: StepName
    reminder: int = Field(ge=0, description="0 for the step itself, 1.. for its reminders.")
    sent_at: AwareDatetime = Field(description="When the unacknowledged revision was sent.")
    deadline: AwareDatetime = Field(description="When it should have been acknowledged.")
    due_at: AwareDatetime = Field(description="When this notice was due.")
    issued_at: AwareDatetime = Field(description="When the service sent it (its clock).")
