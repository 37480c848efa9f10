"""The subscriptions topic folded into the set the dispatcher routes by
(adapters/kafka/subscriptions.fold): the last record per agency wins, a tombstone removes,
and an unreadable or misfiled record removes rather than routes."""

from __future__ import annotations

from adapters.kafka.subscriptions import fold
from fusion.contract import Agency, Priority
from leads.subscriptions import Subscription


def _rec(agency: str, sub: Subscription | None) -> tuple[bytes, bytes | None]:
    return agency.encode(), sub.model_dump_json().encode() if sub else None


def test_the_last_record_wins_and_a_tombstone_removes() -> None:
    hsi, gn = Subscription(agency=Agency.HSI), Subscription(agency=Agency.GN)
    flash = Subscription(agency=Agency.HSI, min_priority=Priority.FLASH)
    current = fold([_rec("HSI", hsi), _rec("GN", gn), _rec("HSI", flash), _rec("GN", None)])
    assert current == {Agency.HSI: flash}


def test_an_unreadable_or_misfiled_record_removes_the_agency() -> None:
    hsi = Subscription(agency=Agency.HSI)
    assert fold([_rec("HSI", hsi), (b"HSI", b"{not json")]) == {}
    assert fold([_rec("HSI", hsi), _rec("HSI", Subscription(agency=Agency.DEA))]) == {}
    assert fold([(b"NOPE", b"{}"), _rec("HSI", hsi)]) == {Agency.HSI: hsi}
