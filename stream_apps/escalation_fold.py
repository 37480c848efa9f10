"""The escalation service's memory, folded from the records it reads (no Kafka here):

- ``audit.disseminations``: every "sent" entry starts or extends a wait (``leads.escalation``)
  and adds its agency to the lead's earlier recipients (with the entry's chain: the
  internal.leads partition the lead went through);
- ``audit.escalations`` (its own chain): the notices fired, by record key, and the chain's
  head;
- ``control.escalation``: the agencies' policies;
- ``triage.actions``: acknowledgements end waits, an officer's escalation pulls the next
  step forward, a withdrawal asks for a recall;
- ``internal.leads``: the newest revision of each lead (what a recall or correction is
  built from); a withdrawn revision ends its waits;
- ``internal.retractions``: retracted events; every lead resting on one is corrected or
  recalled.

``recalls(now)`` plans the recall and correction revisions due from what changed, once per
lead revision: after one is issued, the lead's newest revision is that recall, so reading
the same withdrawal or retraction again (a restart) plans nothing new.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from pydantic import ValidationError

from adapters.kafka.escalation_policies import fold_policies
from fusion.contract import Agency, Lead, Tlp
from fusion.contract.audit import AuditEntry
from fusion.contract.escalation import EscalationPolicy, default_policy
from fusion.contract.lead import LeadStatus
from fusion.contract.retraction import Retraction
from fusion.contract.triage import TriageAction, TriageKind
from leads.audit_chain import ChainHead
from leads.escalation import EscalationState
from leads.recall import Recall, after_retraction, evidence_key, withdrawal
from leads.routing import Outcome

log = logging.getLogger(__name__)
_SENDS = frozenset({Outcome.SENT.value, Outcome.REDACTED.value})
RECALL_REASONS = ("recall to an earlier recipient", "correction to an earlier recipient")


@dataclass(frozen=True, slots=True)
class FoldTopics:
    audit: str
    escalation_audit: str
    policies: str
    triage: str
    leads: str
    retractions: str


@dataclass(frozen=True, slots=True)
class PlannedRecall:
    recall: Recall
    partition: int  # the internal.leads partition (the lead's audit chain)


@dataclass
class EscalationFold:
    topics: FoldTopics
    state: EscalationState = field(default_factory=EscalationState)
    policies: dict[Agency, EscalationPolicy] = field(default_factory=dict)
    recipients: dict[str, set[Agency]] = field(default_factory=dict)
    chains: dict[str, int] = field(default_factory=dict)
    handling: dict[str, tuple[Tlp, list[str]]] = field(default_factory=dict)  # tlp, rules
    leads: dict[str, Lead] = field(default_factory=dict)
    by_evidence: dict[str, set[str]] = field(default_factory=dict)
    withdrawals: dict[str, str] = field(default_factory=dict)  # lead -> reason
    retracted: dict[str, str] = field(default_factory=dict)  # evidence key -> reason
    head: ChainHead = field(default_factory=ChainHead)
    recalls_seen: list[str] = field(default_factory=list)  # status of each recall sent
    _dirty: set[str] = field(default_factory=set)
    _impossible: int = 0

    def policy_for(self, agency: Agency) -> EscalationPolicy:
        return self.policies.get(agency) or default_policy(agency)

    def apply(self, topic: str, key: bytes | None, value: bytes | None) -> None:
        """Fold one record; an unreadable one is logged and skipped (the audit verifier and
        the dead-letter topic are where such records are named)."""
        try:
            if topic == self.topics.audit:
                self._audit(AuditEntry.model_validate_json(value or b""))
            elif topic == self.topics.escalation_audit:
                entry = AuditEntry.model_validate_json(value or b"")
                self.state.record_fired((key or b"").decode())
                self.head = ChainHead(entry.seq + 1, entry.mac)
            elif topic == self.topics.policies:
                self._policy(key, value)
            elif topic == self.topics.triage:
                self._triage(TriageAction.model_validate_json(value or b""))
            elif topic == self.topics.leads:
                self._lead(Lead.model_validate_json(value or b""))
            elif topic == self.topics.retractions:
                self._retraction(Retraction.model_validate_json(value or b""))
        except (ValidationError, ValueError) as exc:
            log.error("skipping an unreadable record on %s: %s", topic, str(exc)[:300])

    def _audit(self, entry: AuditEntry) -> None:
        if entry.outcome not in _SENDS:  # a fact-only recipient was told of the lead too
            return
        lead = entry.lead_id
        self.state.record_sent(lead, entry.agency, revision=entry.revision,
                               priority=entry.priority, at=entry.decided_at)
        self.recipients.setdefault(lead, set()).add(entry.agency)
        self.chains[lead] = entry.chain
        self.handling[lead] = (entry.tlp, list(entry.rules))
        if entry.reason.startswith(RECALL_REASONS):
            self.recalls_seen.append("withdrawn" if entry.reason.startswith("recall")
                                     else "corrected")
        self._dirty.add(lead)

    def _policy(self, key: bytes | None, value: bytes | None) -> None:
        agency = Agency((key or b"").decode())
        self.policies.pop(agency, None)
        self.policies.update(fold_policies([(key, value)]))

    def _triage(self, action: TriageAction) -> None:
        if action.kind is TriageKind.ACKNOWLEDGE:
            self.state.record_ack(action.lead_id, action.agency, revision=action.revision)
        elif action.kind is TriageKind.ESCALATE:
            self.state.record_escalation(action.lead_id, action.agency,
                                         action_id=action.action_id, at=action.at)
        elif action.kind is TriageKind.WITHDRAW:
            why = f"withdrawn by {action.actor} ({action.agency.value}, {action.channel})"
            self.withdrawals.setdefault(action.lead_id,
                                        f"{why}: {action.note}" if action.note else why)
            self.state.record_withdrawn(action.lead_id)
            self._dirty.add(action.lead_id)

    def _lead(self, lead: Lead) -> None:
        known = self.leads.get(lead.lead_id)
        if known is not None and known.revision >= lead.revision:
            return  # dispatch keeps the first of a revision too
        self.leads[lead.lead_id] = lead
        for ref in lead.evidence:
            self.by_evidence.setdefault(evidence_key(ref.agency, ref.event_id),
                                        set()).add(lead.lead_id)
        if lead.status is LeadStatus.WITHDRAWN:
            self.state.record_withdrawn(lead.lead_id)
        self._dirty.add(lead.lead_id)

    def _retraction(self, retraction: Retraction) -> None:
        key = retraction.event_key
        self.retracted.setdefault(key, retraction.reason)
        self._dirty.update(self.by_evidence.get(key, ()))

    def recalls(self, now: dt.datetime) -> list[PlannedRecall]:
        """The recall and correction revisions to issue for what changed since the last
        call (``issued`` once the broker has them, ``not_issued`` if not)."""
        planned = []
        for lead_id in sorted(self._dirty):
            lead = self.leads.get(lead_id)
            if lead_id not in self.chains:
                continue  # sent to nobody (yet)
            if lead is None:
                if lead_id in self.withdrawals:
                    self._impossible += 1
                    log.error("cannot recall %s: its content is no longer on the candidate "
                              "leads topic (older than its retention)", lead_id)
                continue
            recall = self._plan(lead, now)
            if recall is not None:
                planned.append(PlannedRecall(recall, self.chains[lead_id]))
        self._dirty.clear()
        return planned

    def issued(self, planned: list[PlannedRecall]) -> None:
        """The recalls are on internal.leads: each is its lead's newest revision."""
        for p in planned:
            self.leads[p.recall.lead.lead_id] = p.recall.lead

    def not_issued(self, planned: list[PlannedRecall]) -> None:
        self._dirty.update(p.recall.lead.lead_id for p in planned)

    def forget_before(self, horizon: dt.datetime) -> None:
        """Bounded memory: drop what the service no longer acts on, leads (and their waits,
        recipients, fired notices) older than ``horizon``, which a restart would not read."""
        self.state.forget_before(horizon)
        for lead_id in [k for k, lead in self.leads.items() if lead.generated_at < horizon]:
            for ref in self.leads.pop(lead_id).evidence:
                key = evidence_key(ref.agency, ref.event_id)
                self.by_evidence.get(key, set()).discard(lead_id)
                if not self.by_evidence.get(key):
                    self.by_evidence.pop(key, None)
        live = {lead_id for lead_id, _ in self.state.sent} | set(self.leads)
        for table in (self.recipients, self.chains, self.handling, self.withdrawals):
            for lead_id in [k for k in table if k not in live]:
                del table[lead_id]
        self.state.fired = {n for n in self.state.fired if n.split("/", 1)[0] in live}
        self.retracted = {k: v for k, v in self.retracted.items() if k in self.by_evidence}

    def take_impossible(self) -> int:
        count, self._impossible = self._impossible, 0
        return count

    def _plan(self, lead: Lead, now: dt.datetime) -> Recall | None:
        to = self.recipients.get(lead.lead_id, set())
        reason = self.withdrawals.get(lead.lead_id)
        if reason is not None:
            return withdrawal(lead, to, reason=reason, at=now)
        hit = {evidence_key(e.agency, e.event_id) for e in lead.evidence} & set(self.retracted)
        if not hit:
            return None
        why = "; ".join(self.retracted[k] for k in sorted(hit))
        return after_retraction(lead, hit, to, reason=why, at=now)
