"""What an officer may see: a lead as the dispatcher would send it to the officer's agency,
decided by the dispatcher's own core (``leads.redaction.view_for``: whole, fact-only, or
nothing), never a second implementation.
"""

from __future__ import annotations

from fusion.contract import Agency, Handling, Lead
from leads.redaction import view_for
from leads.releasability import may_receive


def visible_lead(lead: Lead, agency: Agency) -> Lead | None:
    """The lead as ``agency``'s officers may see it (its fact-only view where only the fact
    is releasable to them), or None."""
    return view_for(lead, agency)


def visible_record(handling: Handling, agency: Agency) -> bool:
    """Whether a record with ``handling`` (an event: a seizure report) may be shown to
    ``agency``'s officers."""
    return may_receive(handling, agency).allowed
