"""The webhook delivery receipts' hash chain (pure), built like the dissemination audit's
(``leads/audit_chain.py``) but under its own key and with its own writer: ``seal`` gives a
receipt its ``seq``, ``prev`` and ``mac``; ``check`` walks the chain and names the first
receipt that is missing, out of order, altered or sealed without the key.

Why not entries on ``audit.disseminations``: that topic's chains are the dispatcher's, one
per ``internal.leads`` partition, each with one transactional writer holding its head. A
second writer would race the dispatcher for the head (or need a lock across services), and
holding the dispatcher's key would let the sender forge dissemination decisions. Its own
chain keeps each writer able to seal only its own records.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from typing import Any

from fusion.contract.webhooks import DeliveryReceipt
from leads.audit_chain import ChainBreak, ChainHead, mac_of


def seal(fields: dict[str, Any], head: ChainHead, key: bytes
         ) -> tuple[DeliveryReceipt, ChainHead]:
    """The receipt of ``fields`` (all but seq, prev and mac) at the chain's head, and the
    head after it."""
    draft = DeliveryReceipt.model_validate(
        {**fields, "seq": head.next_seq, "prev": head.mac, "mac": "0" * 64})
    mac = mac_of(draft.model_dump(mode="json"), key)
    return draft.model_copy(update={"mac": mac}), ChainHead(head.next_seq + 1, mac)


def check(receipts: Iterable[tuple[int, DeliveryReceipt | None]], key: bytes
          ) -> tuple[int, ChainBreak | None]:
    """Walk ``(offset, receipt)`` in offset order (None: an unreadable record): how many
    fit, and the first break (None if the chain holds)."""
    head = ChainHead()
    checked = 0
    for offset, receipt in receipts:
        problem = _problem(receipt, head, key)
        if problem is not None:
            seq = receipt.seq if receipt is not None else head.next_seq
            lead = receipt.lead_id if receipt is not None else "?"
            return checked, ChainBreak(0, offset, seq, lead, problem)
        assert receipt is not None
        head = ChainHead(receipt.seq + 1, receipt.mac)
        checked += 1
    return checked, None


def _problem(receipt: DeliveryReceipt | None, head: ChainHead, key: bytes) -> str | None:
    if receipt is None:
        return "not a delivery receipt (an unreadable record)"
    if receipt.seq != head.next_seq:
        return f"seq {receipt.seq} where {head.next_seq} was due: receipts removed or reordered"
    if receipt.prev != head.mac:
        return "does not chain to the receipt before it: inserted or reordered"
    if not hmac.compare_digest(receipt.mac, mac_of(receipt.model_dump(mode="json"), key)):
        return "its mac does not match its content: altered, or sealed without the key"
    return None
