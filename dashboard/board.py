"""The dashboard's picture of the system, folded from what it reads on Kafka (the system of
record): the latest revision of every lead on a ``leads.<agency>`` topic and which agencies'
topics carry it, every dissemination decision of the audit, and every triage action. A
process rebuilds it at start from ``FUSION_DASHBOARD_HORIZON`` back; nothing here is
written anywhere else. Pure: the adapter hands records in, the web layer reads.

Records arrive in any order across topics (a decision may be read before its lead copy);
each kind is kept by lead id and joined when a page asks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field

from fusion.contract import Agency, Lead
from fusion.contract.audit import AuditEntry
from fusion.contract.triage import TriageAction


@dataclass
class LeadEntry:
    lead: Lead  # the latest revision read
    first_seen: dt.datetime  # when the broker stored the first copy of any revision
    seen: dt.datetime  # when the broker stored the first copy of the latest revision
    copies: dict[int, set[Agency]] = field(default_factory=dict)  # revision -> topics

    @property
    def lead_id(self) -> str:
        return self.lead.lead_id


@dataclass
class Board:
    leads: dict[str, LeadEntry] = field(default_factory=dict)
    decisions: dict[str, dict[tuple[int, Agency], AuditEntry]] = field(default_factory=dict)
    actions: dict[str, dict[str, TriageAction]] = field(default_factory=dict)
    version: int = 0  # raised with every change, for the live pages

    def add_lead(self, lead: Lead, *, agency: Agency, written_at: dt.datetime) -> bool:
        """A copy read on ``leads.<agency>``; True if the board changed."""
        entry = self.leads.get(lead.lead_id)
        if entry is None:
            entry = self.leads[lead.lead_id] = LeadEntry(lead, written_at, written_at)
        elif lead.revision > entry.lead.revision:
            entry.lead, entry.seen = lead, written_at
        elif (lead.revision == entry.lead.revision and entry.lead.redaction is not None
              and lead.redaction is None):
            entry.lead = lead  # keep the whole lead: each officer gets visible_lead's view
        elif lead.revision == entry.lead.revision and written_at < entry.seen:
            entry.seen = written_at
        entry.first_seen = min(entry.first_seen, written_at)
        recipients = entry.copies.setdefault(lead.revision, set())
        if agency in recipients:
            return False
        recipients.add(agency)
        self.version += 1
        return True

    def add_decision(self, entry: AuditEntry) -> bool:
        decisions = self.decisions.setdefault(entry.lead_id, {})
        key = (entry.revision, entry.agency)
        if decisions.get(key) == entry:
            return False
        decisions[key] = entry
        self.version += 1
        return True

    def add_action(self, action: TriageAction) -> bool:
        """An action read back (or just published); a replay of an action id is a no-op."""
        actions = self.actions.setdefault(action.lead_id, {})
        if action.action_id in actions:
            return False
        actions[action.action_id] = action
        self.version += 1
        return True

    def entries(self) -> Iterator[LeadEntry]:
        return iter(self.leads.values())

    def decisions_of(self, lead_id: str) -> list[AuditEntry]:
        return sorted(self.decisions.get(lead_id, {}).values(),
                      key=lambda e: (e.revision, e.agency.value))

    def actions_of(self, lead_id: str) -> list[TriageAction]:
        return list(self.actions.get(lead_id, {}).values())
