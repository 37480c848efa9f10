"""One dispatch transaction in the making, for one internal.leads partition: the copies, the
sealed audit entries (chained from the partition's head) and the grouping states it changes.
``DispatchStage`` fills it from routing and grouping plans and hands it to
``AuditLog.commit``; the stage's in-memory states change only after the commit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from adapters.kafka.audit_log import Copy
from adapters.kafka.group_state import GroupStateLog
from fusion.contract import Lead, lead_topic
from fusion.contract.audit import AuditEntry
from leads.audit_chain import ChainHead, decision_fields, seal
from leads.grouping import Carried, GroupState
from leads.redaction import copy_value
from leads.routing import Decision, Outcome


@dataclass
class DispatchBatch:
    partition: int
    head: ChainHead
    key: bytes
    now: dt.datetime
    contact: str
    groups: GroupStateLog
    known: dict[str, GroupState]  # the partition's committed states
    copies: list[Copy] = field(default_factory=list)
    entries: list[AuditEntry] = field(default_factory=list)
    changed: dict[str, GroupState | None] = field(default_factory=dict)

    def state(self, key: str) -> GroupState | None:
        """The state as this batch has left it so far."""
        return self.changed[key] if key in self.changed else self.known.get(key)

    def set_state(self, key: str, state: GroupState | None) -> None:
        self.changed[key] = state

    def decide(self, lead: Lead, decision: Decision) -> None:
        self._seal(decision_fields(lead, decision, chain=self.partition, at=self.now))

    def send(self, lead: Lead, raw: bytes, decision: Decision) -> None:
        """The copy for ``decision`` (whole or fact-only) and its audit entry."""
        self.copies.append(Copy(lead_topic(decision.agency), lead.lead_id.encode(),
                                copy_value(lead, raw, redacted=decision.redacted,
                                           contact=self.contact)))
        self.decide(lead, decision)

    def coalesced(self, lead_id: str, decision: Decision, carried: Carried, *, by: int) -> None:
        """The audit entry of a held revision replaced by revision ``by``, which carries it."""
        self._seal({"chain": self.partition, "lead_id": lead_id, "revision": carried.revision,
                    "agency": decision.agency, "outcome": Outcome.COALESCED.value,
                    "reason": f"replaced while held by revision {by}, which carries it",
                    "priority": carried.priority, "tlp": carried.tlp, "rules": carried.rules,
                    "decided_at": self.now})

    def records(self) -> list[Copy]:
        """The copies, then the changed states (tombstones for states that went)."""
        return [*self.copies, *(self.groups.record(self.partition, key, state)
                                for key, state in self.changed.items())]

    def commit_states(self) -> None:
        """After the commit: the partition's states as the broker now holds them."""
        for key, state in self.changed.items():
            if state is None:
                self.known.pop(key, None)
            else:
                self.known[key] = state

    def _seal(self, fields: dict[str, object]) -> None:
        entry, self.head = seal(fields, self.head, self.key)
        self.entries.append(entry)
