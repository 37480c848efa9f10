"""The audit's hash chain (pure): sealing new entries, and checking a chain read back.

``seal`` gives an entry its ``seq``, ``prev`` and ``mac``: HMAC-SHA256 under the audit key of
the canonical JSON of every other field (``prev`` included, keys sorted). ``check_chain``
walks one chain in offset order and reports the first entry that does not fit: a gap in
``seq`` (entries removed, or the chain's start deleted), a ``prev`` that is not the mac
before it (reordered or inserted), or a ``mac`` that does not match (altered, or sealed
without the key).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import orjson

from fusion.contract import Lead
from fusion.contract.audit import AuditEntry
from leads.routing import Decision


@dataclass(frozen=True, slots=True)
class ChainHead:
    """Where a chain stands: the next ``seq`` and the ``mac`` to chain to."""

    next_seq: int = 0
    mac: str = ""


@dataclass(frozen=True, slots=True)
class ChainBreak:
    chain: int
    offset: int
    seq: int
    lead_id: str
    problem: str

    def __str__(self) -> str:
        return (f"chain {self.chain}, offset {self.offset} (seq {self.seq}, lead "
                f"{self.lead_id}): {self.problem}")


def mac_of(fields: dict[str, Any], key: bytes) -> str:
    body = orjson.dumps({k: v for k, v in fields.items() if k != "mac"},
                        option=orjson.OPT_SORT_KEYS)
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def seal(fields: dict[str, Any], head: ChainHead, key: bytes) -> tuple[AuditEntry, ChainHead]:
    """The entry of ``fields`` (everything but seq, prev and mac) at the chain's head, and the
    head after it."""
    unsealed = {**fields, "seq": head.next_seq, "prev": head.mac}
    draft = AuditEntry.model_validate({**unsealed, "mac": "0" * 64})
    mac = mac_of(draft.model_dump(mode="json"), key)
    entry = draft.model_copy(update={"mac": mac})
    return entry, ChainHead(head.next_seq + 1, mac)


def check_chain(chain: int, entries: Iterable[tuple[int, AuditEntry | None]], key: bytes
                ) -> tuple[int, ChainBreak | None]:
    """Walk ``(offset, entry)`` pairs of one chain in offset order (None: a record that is
    no audit entry at all): how many fit, and the first break (None if the chain holds)."""
    head = ChainHead()
    checked = 0
    for offset, entry in entries:
        if entry is None:
            return checked, ChainBreak(chain, offset, head.next_seq, "?",
                                       "not an audit entry (an unreadable record)")
        problem = _problem(chain, entry, head, key)
        if problem is not None:
            return checked, ChainBreak(chain, offset, entry.seq, entry.lead_id, problem)
        head = ChainHead(entry.seq + 1, entry.mac)
        checked += 1
    return checked, None


def _problem(chain: int, entry: AuditEntry, head: ChainHead, key: bytes) -> str | None:
    if entry.chain != chain:
        return f"belongs to chain {entry.chain}, found in chain {chain}"
    if entry.seq != head.next_seq:
        if head.next_seq == 0:
            return f"the chain starts at seq {entry.seq}: entries 0-{entry.seq - 1} are gone"
        return f"seq {entry.seq} follows seq {head.next_seq - 1}: entries removed or reordered"
    if entry.prev != head.mac:
        return "does not chain to the entry before it (prev differs): inserted or reordered"
    if not hmac.compare_digest(entry.mac, mac_of(entry.model_dump(mode="json"), key)):
        return "its mac does not match its content: altered, or sealed without the audit key"
    return None


def decision_fields(lead: Lead, decision: Decision, *, chain: int,
                    at: dt.datetime) -> dict[str, Any]:
    """An audit entry's fields (all but seq, prev, mac) for one routing decision."""
    return {"chain": chain, "lead_id": lead.lead_id, "revision": lead.revision,
            "agency": decision.agency, "outcome": decision.outcome.value,
            "reason": decision.reason, "priority": lead.priority, "tlp": lead.handling.tlp,
            "rules": [f"{h.rule_id}@{h.rule_version}" for h in lead.rule_hits],
            "decided_at": at}
