"""Which subscribed agencies receive a lead, and the reason recorded for each that does not."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from fusion.contract import Agency, Country, Lead, Priority, Tlp
from leads.building import build_lead
from leads.routing import Decision, Outcome, route
from leads.subscriptions import Subscription
from tests.factories import T0, crossing, findings_for, handling, listing

NOW = T0 + dt.timedelta(seconds=5)


def _lead(**crossing_kw: Any) -> Lead:
    (finding,) = findings_for(crossing(**crossing_kw), listing())
    return build_lead(finding, now=NOW)


@pytest.fixture
def lead() -> Lead:
    """Watchlist lead, B2 evidence, GREEN REL USA,MEX: score 70, IMMEDIATE."""
    built = _lead()
    assert (built.priority, built.category) == (Priority.IMMEDIATE, "watchlist")
    return built


def _one(lead: Lead, sub: Subscription) -> Decision:
    (decision,) = route(lead, [sub])
    assert decision.agency is sub.agency
    return decision


def test_disabled_subscription_is_not_sent(lead: Lead) -> None:
    decision = _one(lead, Subscription(agency=Agency.HSI, enabled=False))
    assert (decision.outcome, decision.send) == (Outcome.DISABLED, False)


def test_disabled_wins_over_every_other_reason(lead: Lead) -> None:
    sub = Subscription(agency=Agency.RCMP, enabled=False, min_priority=Priority.FLASH,
                       categories=frozenset({"other"}))
    assert _one(lead, sub).outcome is Outcome.DISABLED


def test_unsubscribed_category_is_not_sent(lead: Lead) -> None:
    decision = _one(lead, Subscription(agency=Agency.HSI, categories=frozenset({"seizure"})))
    assert decision.outcome is Outcome.CATEGORY
    assert not decision.send
    assert "watchlist" in decision.reason


def test_subscribed_category_is_sent(lead: Lead) -> None:
    decision = _one(lead, Subscription(agency=Agency.HSI,
                                       categories=frozenset({"seizure", "watchlist"})))
    assert decision.outcome is Outcome.SENT


@pytest.mark.parametrize(
    ("min_priority", "outcome"),
    [
        (Priority.ROUTINE, Outcome.SENT),
        (Priority.PRIORITY, Outcome.SENT),
        (Priority.IMMEDIATE, Outcome.SENT),
        (Priority.FLASH, Outcome.PRIORITY),
    ],
)
def test_min_priority(lead: Lead, min_priority: Priority, outcome: Outcome) -> None:
    decision = _one(lead, Subscription(agency=Agency.HSI, min_priority=min_priority))
    assert decision.outcome is outcome
    if outcome is Outcome.PRIORITY:
        assert decision.reason == "IMMEDIATE is below FLASH"


def test_flash_lead_reaches_a_flash_only_subscriber() -> None:
    flash = _lead(outcome="port-runner")
    assert flash.priority is Priority.FLASH
    assert _one(flash, Subscription(agency=Agency.HSI, min_priority=Priority.FLASH)).send


def test_handling_refusal_names_the_agency(lead: Lead) -> None:
    decision = _one(lead, Subscription(agency=Agency.RCMP))
    assert decision.outcome is Outcome.HANDLING
    assert not decision.send
    assert "RCMP" in decision.reason


def test_amber_crossing_is_not_sent_to_mexico() -> None:
    amber = _lead(handling=handling(Tlp.AMBER, Country.USA))
    assert _one(amber, Subscription(agency=Agency.ANAM)).outcome is Outcome.HANDLING
    assert _one(amber, Subscription(agency=Agency.DEA)).outcome is Outcome.SENT


def test_sent_when_every_condition_holds(lead: Lead) -> None:
    decision = _one(lead, Subscription(agency=Agency.ANAM, min_priority=Priority.PRIORITY,
                                       categories=frozenset({"watchlist"})))
    assert decision.outcome is Outcome.SENT
    assert decision.send
    assert decision.reason == "subscribed, entitled and releasable"


def test_one_decision_per_subscription_sorted_by_agency(lead: Lead) -> None:
    subs = [
        Subscription(agency=Agency.TX_DPS),
        Subscription(agency=Agency.ANAM),
        Subscription(agency=Agency.RCMP),
        Subscription(agency=Agency.CBP_OFO, enabled=False),
        Subscription(agency=Agency.DEA, min_priority=Priority.FLASH),
    ]
    decisions = route(lead, subs)
    assert [(d.agency, d.outcome) for d in decisions] == [
        (Agency.ANAM, Outcome.SENT),
        (Agency.CBP_OFO, Outcome.DISABLED),
        (Agency.DEA, Outcome.PRIORITY),
        (Agency.RCMP, Outcome.HANDLING),
        (Agency.TX_DPS, Outcome.SENT),
    ]
    assert route(lead, reversed(subs)) == decisions


def test_no_subscriptions_no_decisions(lead: Lead) -> None:
    assert route(lead, []) == []


def test_red_crossing_released_to_a_country_reaches_no_agency() -> None:
    """Under RED a country entry grants nothing, so the lead's combined handling names no one
    and every subscriber is refused, each with its own name in the reason."""
    red = _lead(handling=handling(Tlp.RED, Country.USA))
    assert (red.handling.tlp, red.handling.releasable_to) == (Tlp.RED, [])
    decisions = route(red, [Subscription(agency=Agency.HSI), Subscription(agency=Agency.ANAM)])
    assert [d.outcome for d in decisions] == [Outcome.HANDLING, Outcome.HANDLING]
    assert ["ANAM" in decisions[0].reason, "HSI" in decisions[1].reason] == [True, True]
