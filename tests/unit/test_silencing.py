"""Silences: which active silence withholds a lead from a recipient (pure), how routing
records it, and the chain of silence changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from pydantic import ValidationError

from fusion.contract import Agency, Lead, Port
from fusion.contract.silence import Silence, SilenceMatchers
from leads.audit_chain import ChainHead
from leads.building import build_lead
from leads.routing import Outcome, route
from leads.silence_chain import check_changes, seal_change
from leads.silencing import fold_silences, matches, matching_silence, new_silence_id
from leads.subscriptions import Subscription
from tests.factories import T0, crossing, findings_for, listing

NOW = T0 + dt.timedelta(seconds=5)
KEY = b"k" * 32


@pytest.fixture
def lead() -> Lead:
    (finding,) = findings_for(crossing(), listing())
    return build_lead(finding, now=NOW)


def _silence(*, starts: dt.datetime = T0, ends: dt.datetime = T0 + dt.timedelta(hours=1),
             sid: str | None = None, **matchers: Any) -> Silence:
    return Silence(silence_id=sid or new_silence_id(), matchers=SilenceMatchers(**matchers),
                   author="ana", comment="known undercover vehicle", created_at=T0,
                   starts_at=starts, ends_at=ends)


@pytest.mark.parametrize(("matchers", "expected"), [
    ({"rules": ["watchlist-vehicle-crossing"]}, True),
    ({"rules": ["other-rule", "watchlist-vehicle-crossing"]}, True),
    ({"rules": ["other-rule"]}, False),
    ({"categories": ["watchlist"]}, True),
    ({"categories": ["seizure"]}, False),
    ({"entities": ["vehicle:US-TX:ABC1234"]}, True),
    ({"entities": ["vehicle:US-AZ:ABC1234"]}, False),
    ({"ports": [Port.US_EL_PASO_BOTA]}, True),
    ({"ports": [Port.US_LAREDO_WTB]}, False),
    ({"categories": ["watchlist"], "agencies": [Agency.HSI]}, True),
    ({"categories": ["watchlist"], "agencies": [Agency.ANAM]}, False),
    ({"categories": ["watchlist"], "ports": [Port.US_LAREDO_WTB]}, False),  # every kind must
])
def test_every_set_matcher_must_match(lead: Lead, matchers: dict[str, Any],
                                      expected: bool) -> None:
    assert matches(_silence(**matchers), lead, Agency.HSI) is expected


def test_a_silence_needs_a_narrowing_matcher() -> None:
    with pytest.raises(ValidationError, match="rule, category, entity or port"):
        SilenceMatchers(agencies=[Agency.HSI])


def test_a_silence_ends_after_it_starts() -> None:
    with pytest.raises(ValidationError, match="ends_at"):
        _silence(categories=["watchlist"], ends=T0)


def test_active_only_between_start_and_end(lead: Lead) -> None:
    silence = _silence(categories=["watchlist"], starts=T0, ends=T0 + dt.timedelta(minutes=5))
    at = [T0 - dt.timedelta(seconds=1), T0, T0 + dt.timedelta(minutes=4),
          T0 + dt.timedelta(minutes=5)]
    assert [matching_silence([silence], lead, Agency.HSI, now=t) is not None
            for t in at] == [False, True, True, False]


def test_routing_withholds_a_silenced_copy_naming_the_silence(lead: Lead) -> None:
    silence = _silence(categories=["watchlist"], agencies=[Agency.HSI], sid="S-0123456789ab")
    subs = [Subscription(agency=Agency.HSI), Subscription(agency=Agency.CBP_OFO)]
    during = route(lead, subs, silences=[silence], now=NOW)
    assert [(d.agency, d.outcome) for d in during] == [
        (Agency.CBP_OFO, Outcome.SENT), (Agency.HSI, Outcome.SILENCED)]
    assert "S-0123456789ab" in during[1].reason
    assert "ana" in during[1].reason
    assert not during[1].send
    after = route(lead, subs, silences=[silence], now=T0 + dt.timedelta(hours=2))
    assert all(d.send for d in after)


def test_a_silence_does_not_turn_another_refusal_into_silenced(lead: Lead) -> None:
    silence = _silence(categories=["watchlist"])
    (decision,) = route(lead, [Subscription(agency=Agency.HSI, enabled=False)],
                        silences=[silence], now=NOW)
    assert decision.outcome is Outcome.DISABLED


def test_route_with_silences_needs_a_clock(lead: Lead) -> None:
    with pytest.raises(ValueError, match="now"):
        route(lead, [], silences=[_silence(categories=["watchlist"])])


def test_fold_keeps_the_last_record_per_id_and_drops_tombstones() -> None:
    first = _silence(categories=["watchlist"], sid="S-aaaaaaaaaaaa")
    later = first.model_copy(update={"ends_at": T0 + dt.timedelta(minutes=1)})
    other = _silence(categories=["seizure"], sid="S-bbbbbbbbbbbb")
    folded = fold_silences([(b"S-aaaaaaaaaaaa", first), (b"S-bbbbbbbbbbbb", other),
                            (b"S-aaaaaaaaaaaa", later), (b"S-bbbbbbbbbbbb", None)])
    assert folded == {"S-aaaaaaaaaaaa": later}


def test_fold_refuses_a_silence_under_another_id() -> None:
    silence = _silence(categories=["watchlist"], sid="S-aaaaaaaaaaaa")
    assert fold_silences([(b"S-bbbbbbbbbbbb", silence)]) == {}


def test_the_chain_of_changes_finds_an_altered_or_missing_entry() -> None:
    silence = _silence(categories=["watchlist"])
    head = ChainHead()
    changes = []
    for action in ("added", "expired"):
        change, head = seal_change({"action": action, "by": "ana", "at": T0,
                                    "silence": silence}, head, KEY)
        changes.append(change)
    assert check_changes(changes, KEY) is None
    assert check_changes(changes[1:], KEY) is not None
    altered = changes[0].model_copy(update={"by": "mallory"})
    assert "altered" in (check_changes([altered, changes[1]], KEY) or "")
    assert check_changes(changes, b"x" * 32) is not None
