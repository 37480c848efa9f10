"""The delivery receipts' chain: sealed receipts check; a removed, reordered or altered one,
or one sealed under another key, is named."""

from __future__ import annotations

import datetime as dt
import secrets

from fusion.contract import Agency
from fusion.contract.webhooks import DeliveryReceipt, ReceiptOutcome
from leads.audit_chain import ChainHead
from leads.webhooks.receipts import check, seal

KEY = secrets.token_bytes(32)
T0 = dt.datetime(2026, 12, 4, 12, 0, tzinfo=dt.UTC)


def _fields(n: int) -> dict[str, object]:
    return {"endpoint_id": "hsi.main", "agency": Agency.HSI, "lead_id": f"L{n}",
            "revision": 1, "webhook_id": f"msg_{n}", "outcome": ReceiptOutcome.DELIVERED,
            "attempts": 1, "status": 200, "reason": "2xx", "at": T0}


def _chain(n: int, key: bytes = KEY) -> list[DeliveryReceipt]:
    head, out = ChainHead(), []
    for i in range(n):
        receipt, head = seal(_fields(i), head, key)
        out.append(receipt)
    return out


def test_a_sealed_chain_checks() -> None:
    chain = _chain(5)
    assert [r.seq for r in chain] == [0, 1, 2, 3, 4]
    assert check(enumerate(chain), KEY) == (5, None)


def _problem(receipts: list[DeliveryReceipt | None], key: bytes = KEY) -> tuple[int, str]:
    checked, broken = check(enumerate(receipts), key)
    return checked, broken.problem if broken is not None else ""


def test_removed_reordered_altered_or_foreign_receipts_are_named() -> None:
    chain: list[DeliveryReceipt | None] = list(_chain(5))
    checked, problem = _problem([*chain[:2], *chain[3:]])
    assert checked == 2
    assert "removed" in problem
    assert _problem([chain[0], chain[2], chain[1]])[0] == 1
    third = chain[2]
    assert third is not None
    altered = third.model_copy(update={"outcome": ReceiptOutcome.DEAD_LETTERED})
    assert _problem([*chain[:2], altered]) == (2, "its mac does not match its content: "
                                                 "altered, or sealed without the key")
    checked, problem = _problem(list(_chain(2, key=b"other" * 8)))
    assert checked == 0
    assert "sealed without the key" in problem
    assert _problem([chain[0], None]) == (1, "not a delivery receipt (an unreadable record)")
