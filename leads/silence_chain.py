"""The chain of silence changes on ``audit.silences`` (pure): each entry sealed like the
dissemination audit's (``leads/audit_chain.py``: seq without gaps, prev = the mac before,
mac = HMAC-SHA256 under the audit key of every other field), so a removed, reordered or
altered change is found by ``fusion silences history``.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping

from fusion.contract.silence import SilenceChange
from leads.audit_chain import ChainHead, mac_of


def seal_change(fields: Mapping[str, object], head: ChainHead, key: bytes
                ) -> tuple[SilenceChange, ChainHead]:
    """The change entry of ``fields`` (action, by, at, silence) at the chain's head."""
    draft = SilenceChange.model_validate({**fields, "seq": head.next_seq, "prev": head.mac,
                                          "mac": "0" * 64})
    mac = mac_of(draft.model_dump(mode="json"), key)
    return draft.model_copy(update={"mac": mac}), ChainHead(head.next_seq + 1, mac)


def check_changes(changes: Iterable[SilenceChange | None], key: bytes) -> str | None:
    """The first problem in the chain of silence changes (None: it holds)."""
    head = ChainHead()
    for change in changes:
        if change is None:
            return f"entry {head.next_seq}: not a silence change (unreadable)"
        if change.seq != head.next_seq or change.prev != head.mac:
            return f"entry {change.seq}: does not follow entry {head.next_seq - 1}"
        if not hmac.compare_digest(mac_of(change.model_dump(mode="json"), key), change.mac):
            return f"entry {change.seq}: altered, or sealed without the audit key"
        head = ChainHead(change.seq + 1, change.mac)
    return None
