"""When a lead must be acknowledged by.

A seam: the dispatch policy (issue 15) owns acknowledgement deadlines and escalation, built
on the same triage actions. Until it publishes its deadlines, the dashboard shows its own,
one window per priority from the time the lead's first copy was stored
(``FUSION_DASHBOARD_ACK_FLASH`` ... ``_ROUTINE``: 5 min, 15 min, 1 h, 4 h). Replace
``AckDeadlines`` by the policy's and nothing else changes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fusion.contract import Priority


@dataclass(frozen=True, slots=True)
class AckDeadlines:
    windows: dict[Priority, dt.timedelta]
    source: str = "dashboard setting (no dispatch policy yet)"

    def deadline(self, priority: Priority, *, since: dt.datetime) -> dt.datetime:
        return since + self.windows[priority]
