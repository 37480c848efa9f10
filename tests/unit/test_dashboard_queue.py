"""The queue: only what the officer's agency may receive (the dispatcher's releasability),
ordered by priority then age, filtered and searched; a bad filter names its field."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.board import Board
from dashboard.deadlines import AckDeadlines
from dashboard.queue import QueryError, QueueQuery, select
from dashboard.triage_state import LeadState
from dashboard.visibility import visible_lead
from fusion.contract import Agency, Country, Handling, Port, Priority, Tlp
from fusion.contract.triage import TriageKind
from leads.releasability import may_receive
from tests.dashboard_factories import action, make_lead
from tests.factories import T0

DEADLINES = AckDeadlines({p: dt.timedelta(minutes=5 * (1 + p.rank)) for p in Priority})


def _board(*leads: object, at: dt.datetime = T0) -> Board:
    board = Board()
    for i, lead in enumerate(leads):
        board.add_lead(lead, agency=Agency.HSI,  # type: ignore[arg-type]
                       written_at=at + dt.timedelta(seconds=i))
    return board


def _ids(board: Board, agency: Agency = Agency.HSI, **params: str) -> list[str]:
    view = select(board, agency, QueueQuery.parse(params), deadlines=DEADLINES)
    return [row.lead.lead_id for row in view.rows]


def test_flash_comes_first_then_the_newest() -> None:
    old = make_lead(priority=Priority.ROUTINE)
    flash = make_lead(priority=Priority.FLASH)
    newer = make_lead(priority=Priority.ROUTINE)
    assert _ids(_board(old, flash, newer)) == [flash.lead_id, newer.lead_id, old.lead_id]


def test_a_mexican_officer_sees_only_what_is_releasable_to_mexico() -> None:
    us_only = make_lead(tlp=Tlp.AMBER, to=(Country.USA,))
    shared = make_lead(tlp=Tlp.GREEN, to=(Country.USA, Country.MEX))
    named = make_lead(tlp=Tlp.RED, to=(Agency.HSI, Country.MEX))  # RED: named agencies only
    board = _board(us_only, shared, named)
    assert _ids(board, Agency.ANAM) == [shared.lead_id]
    assert set(_ids(board, Agency.HSI)) == {us_only.lead_id, shared.lead_id, named.lead_id}


@given(tlp=st.sampled_from(list(Tlp)),
       to=st.lists(st.sampled_from([*Country, *Agency]), unique=True, max_size=6),
       agency=st.sampled_from(list(Agency)))
def test_visibility_is_the_dispatchers_releasability(tlp: Tlp, to: list[Country | Agency],
                                                     agency: Agency) -> None:
    lead = make_lead(tlp=tlp, to=tuple(to))
    expected = may_receive(Handling(tlp=tlp, releasable_to=to), agency).allowed
    assert (visible_lead(lead, agency) is not None) is expected


def test_filters_by_priority_category_port_corridor_rule_and_state() -> None:
    a = make_lead(priority=Priority.FLASH, category="cash", rule="bulk-cash",
                  port=Port.US_LAREDO_WTB)
    b = make_lead(priority=Priority.ROUTINE, port=None, corridor="TX-I35")
    board = _board(a, b)
    board.add_action(action(b, TriageKind.ACKNOWLEDGE))
    assert _ids(board, priority="FLASH") == [a.lead_id]
    assert _ids(board, category="cash") == [a.lead_id]
    assert _ids(board, port="US-LAREDO-WTB") == [a.lead_id]
    assert _ids(board, corridor="TX-I35") == [b.lead_id]
    assert _ids(board, rule="bulk-cash") == [a.lead_id]
    assert _ids(board, state="acknowledged") == [b.lead_id]
    assert _ids(board, state="new") == [a.lead_id]


def test_open_leaves_out_confirmed_and_dismissed() -> None:
    done, todo = make_lead(), make_lead()
    board = _board(done, todo)
    board.add_action(action(done, TriageKind.CONFIRM))
    assert _ids(board, state="open") == [todo.lead_id]


@pytest.mark.parametrize(("search", "hit"), [
    ("abc-1234", True), ("A8C 1Z34", False), ("A8C1234", True),  # B/8 read alike
    ("garcia", True), ("GARCÍA", True), ("jose garcia", True), ("hernandez", False),
    ("MSCU 1234565", True), ("L-", True),
])
def test_search_by_plate_name_container_or_lead_id(search: str, hit: bool) -> None:
    lead = make_lead(plate="ABC1234", person="José García", container="MSCU1234565")
    assert (_ids(_board(lead), q=search) == [lead.lead_id]) is hit
    assert _ids(_board(lead), q=lead.lead_id[:10]) == [lead.lead_id]


def test_the_deadline_counts_from_the_first_copy_by_priority() -> None:
    lead = make_lead(priority=Priority.FLASH)
    (row,) = select(_board(lead), Agency.HSI, QueueQuery(), deadlines=DEADLINES).rows
    assert row.deadline == T0 + dt.timedelta(minutes=5)
    assert row.triage.state is LeadState.NEW


@pytest.mark.parametrize(("params", "field"), [
    ({"priority": "URGENT"}, "priority"), ({"state": "closed"}, "state"),
    ({"port": "US-NOWHERE"}, "port"), ({"q": "x" * 101}, "q"),
])
def test_a_bad_filter_is_refused_naming_its_field(params: dict[str, str], field: str) -> None:
    with pytest.raises(QueryError) as refused:
        QueueQuery.parse(params)
    assert refused.value.name == field
    assert str(refused.value).startswith(f"{field}: ")


def test_an_officer_allowed_only_the_fact_sees_the_redacted_lead_and_cannot_search_it() -> None:
    lead = make_lead(plate="FACT777", person="Ana Ruiz", to=(Country.USA,)).model_copy(
        update={"handling": Handling(tlp=Tlp.AMBER, releasable_to=[Country.USA],
                                     fact_releasable_to=[Country.MEX])})
    board = _board(lead)
    (row,) = select(board, Agency.ANAM, QueueQuery(), deadlines=DEADLINES).rows
    assert row.lead.redaction is not None
    assert "FACT777" not in row.lead.model_dump_json()
    assert "Ana Ruiz" not in row.lead.model_dump_json()
    assert _ids(board, Agency.ANAM, q="FACT777") == []  # the plate finds nothing for ANAM
    assert _ids(board, Agency.HSI, q="FACT777") == [lead.lead_id]
    assert _ids(board, Agency.RCMP) == []
