"""What an officer may see: only leads releasable to the officer's agency, decided by the
dispatcher's own core (``leads.releasability.may_receive``), never a second implementation.

Partial release (a lead's parts withheld from some recipients) is the dispatch policy's
(issue 15); when it lands, ``visible_lead`` returns the part releasable to the agency and the
pages render that. Until then a lead is shown whole or not at all, which is what dispatch
sends today.
"""

from __future__ import annotations

from fusion.contract import Agency, Handling, Lead
from leads.releasability import may_receive


def visible_lead(lead: Lead, agency: Agency) -> Lead | None:
    """The lead as ``agency``'s officers may see it, or None."""
    return lead if may_receive(lead.handling, agency).allowed else None


def visible_record(handling: Handling, agency: Agency) -> bool:
    """Whether a record with ``handling`` (an event: a seizure report) may be shown to
    ``agency``'s officers."""
    return may_receive(handling, agency).allowed
