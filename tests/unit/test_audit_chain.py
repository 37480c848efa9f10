"""The dissemination audit's chain (leads/audit_chain.py): an intact chain verifies; a
removed, reordered, inserted, altered or foreign-keyed entry breaks it where it happened."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from fusion.contract import Agency, Priority, Tlp
from fusion.contract.audit import AuditEntry
from leads.audit_chain import ChainHead, check_chain, seal

KEY = b"k" * 32
AT = dt.datetime(2026, 3, 2, 6, tzinfo=dt.UTC)


def _chain(n: int, key: bytes = KEY) -> list[tuple[int, AuditEntry | None]]:
    head, out = ChainHead(), []
    for i in range(n):
        fields = {"chain": 0, "lead_id": f"L-{i:032x}", "revision": 1 + i % 2,
                  "agency": list(Agency)[i % len(Agency)], "outcome": "sent",
                  "reason": "subscribed, entitled and releasable", "priority": Priority.ROUTINE,
                  "tlp": Tlp.GREEN, "rules": ["r@1"], "decided_at": AT + dt.timedelta(seconds=i)}
        entry, head = seal(fields, head, key)
        out.append((100 + i, entry))
    return out


@given(st.integers(min_value=0, max_value=30))
def test_an_intact_chain_verifies(n: int) -> None:
    assert check_chain(0, _chain(n), KEY) == (n, None)


@given(st.integers(min_value=3, max_value=20), st.data())
def test_a_removed_entry_is_named(n: int, data: st.DataObject) -> None:
    chain = _chain(n)
    gone = data.draw(st.integers(min_value=0, max_value=n - 2))
    del chain[gone]
    checked, problem = check_chain(0, chain, KEY)
    assert problem is not None
    assert checked == gone
    assert problem.offset == 100 + gone + 1  # the first entry after the hole


def test_the_start_deleted_is_named() -> None:
    checked, problem = check_chain(0, _chain(5)[2:], KEY)
    assert checked == 0
    assert problem is not None
    assert "entries 0-1 are gone" in problem.problem


def test_two_entries_swapped_break_the_chain() -> None:
    chain = _chain(6)
    chain[2], chain[3] = chain[3], chain[2]
    _, problem = check_chain(0, chain, KEY)
    assert problem is not None
    assert problem.offset == 103  # the later entry, read where the earlier should be


def test_an_altered_entry_is_named_even_with_its_old_mac() -> None:
    chain = _chain(5)
    offset, entry = chain[2]
    assert entry is not None
    chain[2] = (offset, entry.model_copy(update={"agency": Agency.GN}))  # sent elsewhere
    _, problem = check_chain(0, chain, KEY)
    assert problem is not None
    assert (problem.offset, problem.seq) == (offset, 2)
    assert "mac does not match" in problem.problem


def test_an_entry_sealed_without_the_key_is_named() -> None:
    chain = _chain(3)
    forged = _chain(4, key=b"x" * 32)[3]  # right seq and prev, wrong key
    (_, last), (_, fake) = chain[-1], forged
    assert last is not None
    assert fake is not None
    fake = fake.model_copy(update={"prev": last.mac})
    _, problem = check_chain(0, [*chain, (103, fake)], KEY)
    assert problem is not None
    assert problem.offset == 103


def test_an_inserted_copy_is_named() -> None:
    chain = _chain(4)
    chain.insert(2, (999, chain[1][1]))  # a replayed copy of entry 1
    _, problem = check_chain(0, chain, KEY)
    assert problem is not None
    assert problem.offset == 999


def test_an_unreadable_record_is_named() -> None:
    chain = [*_chain(2), (102, None)]
    assert check_chain(0, chain, KEY)[1] is not None
