"""When a lead must be acknowledged by.

The escalation service (``fusion escalation serve``) owns acknowledgement deadlines and
escalation, on the same triage actions. The dashboard counts down one window per priority
from the time the lead's first copy was stored, by default the escalation defaults
(``fusion.contract.escalation.DEFAULT_DEADLINES``: 10 min, 30 min, 2 h, 8 h), overridden by
``FUSION_DASHBOARD_ACK_FLASH`` ... ``_ROUTINE``. Not yet read: an agency's own policy set with
``fusion escalation set`` (on control.escalation); when it differs from the defaults, the
countdown and the escalation service disagree for that agency. Replace ``AckDeadlines`` by
the policies and nothing else changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fusion.contract import Priority


@dataclass(frozen=True, slots=True)
class AckDeadlines:
    windows: dict[Priority, dt.timedelta]
    source: str = "the escalation defaults (or FUSION_DASHBOARD_ACK_*)"

    def deadline(self, priority: Priority, *, since: dt.datetime) -> dt.datetime:
        return since + self.windows[priority]
