"""Grouping per recipient (pure): first copies at once, material news after the grouping
interval, the rest after the repeat interval, a rising priority at once; a held revision is
replaced and carried by a newer one, and is due at the interval's end."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fusion.contract import Agency, EvidenceRef, Lead, Priority, RuleHit
from leads.grouping import GroupState, due, expired, plan, sent
from leads.subscriptions import Subscription
from tests.factories import T0, grading

SUB = Subscription(agency=Agency.HSI, group_interval=60, repeat_interval=600)


def _lead(revision: int, *, priority: Priority = Priority.PRIORITY,
          rules: tuple[str, ...] = ("rule-a",), agencies: tuple[Agency, ...] = (Agency.CBP_OFO,),
          ) -> Lead:
    return Lead(
        lead_id="L-" + "a" * 32, revision=revision, generated_at=T0, first_event_at=T0,
        last_event_at=T0, priority=priority, score=50, category="watchlist", title="t",
        summary="s", contributions=[], entities=[], grading=grading("B2"),
        handling={"tlp": "GREEN", "releasable_to": ["USA"]},
        rule_hits=[RuleHit(rule_id=r, rule_version=1, title=r, explanation="e") for r in rules],
        evidence=[EvidenceRef(agency=a, feed="poe-crossings", event_id=f"x-{i}",
                              type="poe.crossing", occurred_at=T0, grading=grading("B2"))
                  for i, a in enumerate(agencies)])


def _at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def _after_first() -> GroupState:
    first = plan(None, _lead(1), sub=SUB, now=T0)
    assert (first.action, first.reason) == ("send", "first revision to this recipient")
    return first.state


def test_the_first_revision_goes_out_at_once() -> None:
    assert _after_first().last is not None


def test_material_news_is_held_until_the_grouping_interval_ends() -> None:
    state = _after_first()
    news = plan(state, _lead(2, rules=("rule-a", "rule-b")), sub=SUB, now=_at(10))
    assert news.action == "hold"
    assert news.state.held is not None
    assert news.state.held.due_at == _at(60)
    assert "new rule rule-b" in news.reason
    assert due([news.state], _at(59)) == []
    assert due([news.state], _at(60)) == [news.state]


def test_news_after_the_grouping_interval_goes_out_at_once() -> None:
    state = _after_first()
    news = plan(state, _lead(2, agencies=(Agency.CBP_OFO, Agency.ANAM)), sub=SUB, now=_at(61))
    assert news.action == "send"
    assert "evidence from 1 more agency" in news.reason


def test_nothing_material_waits_for_the_repeat_interval() -> None:
    state = _after_first()
    same = plan(state, _lead(2), sub=SUB, now=_at(100))
    assert same.action == "hold"
    assert same.state.held is not None
    assert same.state.held.due_at == _at(600)
    assert plan(state, _lead(2), sub=SUB, now=_at(600)).action == "send"


def test_a_rising_priority_goes_out_at_once_and_takes_over_the_held_one() -> None:
    held = plan(_after_first(), _lead(2, rules=("rule-a", "rule-b")), sub=SUB, now=_at(5))
    urgent = plan(held.state, _lead(3, priority=Priority.FLASH), sub=SUB, now=_at(6))
    assert urgent.action == "send"
    assert "priority rose from PRIORITY to FLASH" in urgent.reason
    assert urgent.superseded is not None
    assert urgent.superseded.revision == 2
    assert urgent.state.held is None
    assert urgent.state.last is not None
    assert urgent.state.last.revision == 3


def test_a_burst_is_coalesced_into_the_latest_which_keeps_the_earliest_due_time() -> None:
    state = _after_first()
    r2 = plan(state, _lead(2, rules=("rule-a", "rule-b")), sub=SUB, now=_at(10))
    r3 = plan(r2.state, _lead(3, rules=("rule-a", "rule-b")), sub=SUB, now=_at(20))
    r4 = plan(r3.state, _lead(4, rules=("rule-a", "rule-b")), sub=SUB, now=_at(30))
    assert [p.action for p in (r2, r3, r4)] == ["hold"] * 3
    assert [p.superseded.revision if p.superseded else None for p in (r2, r3, r4)] == [
        None, 2, 3]
    held = r4.state.held
    assert held is not None
    assert (held.lead.revision, held.due_at, [c.revision for c in held.carries]) == (
        4, _at(60), [2, 3])


def test_a_revision_not_newer_than_the_held_one_is_stale() -> None:
    r2 = plan(_after_first(), _lead(2, rules=("rule-a", "rule-b")), sub=SUB, now=_at(10))
    stale = plan(r2.state, _lead(2), sub=SUB, now=_at(11))
    assert stale.action == "stale"
    assert stale.state == r2.state


def test_zero_intervals_send_every_revision_at_once() -> None:
    eager = Subscription(agency=Agency.HSI, group_interval=0, repeat_interval=0)
    state = plan(None, _lead(1), sub=eager, now=T0).state
    for revision in range(2, 6):
        step = plan(state, _lead(revision), sub=eager, now=T0)
        assert step.action == "send"
        state = step.state


def test_a_state_expires_after_the_repeat_interval_with_nothing_held() -> None:
    state = _after_first()
    assert not expired(state, SUB, _at(599))
    assert expired(state, SUB, _at(600))
    assert expired(state, None, _at(1))  # the subscription went
    held = plan(state, _lead(2), sub=SUB, now=_at(1)).state
    assert not expired(held, SUB, _at(10_000))


def test_repeat_interval_may_not_be_shorter_than_the_grouping_interval() -> None:
    with pytest.raises(ValueError, match="repeat_interval"):
        Subscription(agency=Agency.HSI, group_interval=60, repeat_interval=30)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 120), st.booleans(), st.booleans()), min_size=1,
                max_size=12))
def test_every_revision_is_sent_held_or_carried_and_copies_keep_their_spacing(
        steps: list[tuple[int, bool, bool]]) -> None:
    """Over random bursts (gap to the revision before, new rule?, higher priority?), with
    the timer flushing what is due before each arrival: every revision ends sent, or carried
    by one that is sent or still held; copies after the first are at least the grouping
    interval apart unless the priority rose."""
    state: GroupState | None = None
    now, rank, rules = T0, 3, ["rule-0"]
    copies: list[tuple[dt.datetime, bool]] = []
    accounted: set[int] = set()
    for revision, (gap, new_rule, rises) in enumerate(steps, start=1):
        now += dt.timedelta(seconds=gap)
        if state is not None and (ready := due([state], now)):
            held = ready[0].held
            assert held is not None
            copies.append((held.due_at, False))  # the timer sends it at its due time
            accounted |= {held.lead.revision, *(c.revision for c in held.carries)}
            state = sent(ready[0], held.lead, held.due_at)
        rank = max(0, rank - 1) if rises else rank
        rules = [*rules, f"rule-{revision}"] if new_rule else rules
        lead = _lead(revision, priority=list(Priority)[rank], rules=tuple(rules))
        step = plan(state, lead, sub=SUB, now=now)
        if step.superseded is not None:
            accounted.add(step.superseded.revision)
        if step.action == "send":
            copies.append((now, rises))
            accounted.add(revision)
        state = step.state
    assert state is not None
    held = state.held
    if held is not None:
        accounted |= {held.lead.revision}
    assert accounted == set(range(1, len(steps) + 1))
    for (before, _), (after, urgent) in itertools.pairwise(copies):
        assert urgent or after - before >= dt.timedelta(seconds=SUB.group_interval)
