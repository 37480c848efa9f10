"""The board folded from what the dashboard reads, in any order; precision per rule from
the verdicts; the map marks the lead's place."""

from __future__ import annotations

import datetime as dt

from dashboard.board import Board
from dashboard.border_map import border_svg
from dashboard.precision import precision_by_rule
from fusion.contract import Agency, Location, Port
from fusion.contract.triage import DismissReason, TriageKind
from leads.redaction import redact
from tests.dashboard_factories import action, make_lead
from tests.factories import T0


def test_the_latest_revision_wins_and_copies_are_kept_per_revision() -> None:
    board = Board()
    r1 = make_lead()
    r2 = r1.model_copy(update={"revision": 2, "title": "revised"})
    assert board.add_lead(r2, agency=Agency.HSI, written_at=T0 + dt.timedelta(seconds=9))
    assert board.add_lead(r1, agency=Agency.HSI, written_at=T0)
    assert board.add_lead(r1, agency=Agency.CBP_OFO, written_at=T0)
    assert not board.add_lead(r1, agency=Agency.CBP_OFO, written_at=T0)  # read again
    entry = board.leads[r1.lead_id]
    assert entry.lead.title == "revised"
    assert entry.first_seen == T0
    assert entry.copies == {1: {Agency.HSI, Agency.CBP_OFO}, 2: {Agency.HSI}}


def test_an_action_read_back_after_it_was_shown_changes_nothing() -> None:
    board = Board()
    lead = make_lead()
    ack = action(lead, TriageKind.ACKNOWLEDGE)
    assert board.add_action(ack)
    version = board.version
    assert not board.add_action(ack)
    assert board.version == version
    assert board.actions_of(lead.lead_id) == [ack]


def test_precision_counts_each_lead_once_per_rule_in_its_period() -> None:
    board = Board()
    right, wrong, open_, old = (make_lead(rule="r-a") for _ in range(4))
    other = make_lead(rule="r-b")
    for lead in (right, wrong, open_, other):
        board.add_lead(lead, agency=Agency.HSI, written_at=T0)
    board.add_lead(old, agency=Agency.HSI, written_at=T0 - dt.timedelta(days=40))
    board.add_action(action(right, TriageKind.CONFIRM))
    board.add_action(action(wrong, TriageKind.DISMISS, reason=DismissReason.FALSE_POSITIVE))
    board.add_action(action(old, TriageKind.CONFIRM))
    rows = precision_by_rule(board, since=T0 - dt.timedelta(days=30),
                             until=T0 + dt.timedelta(days=1))
    a, b = rows
    assert (a.rule_id, a.leads, a.confirmed, a.dismissed, a.precision) == ("r-a", 3, 1, 1, 0.5)
    assert (b.rule_id, b.leads, b.precision) == ("r-b", 1, None)


def test_the_map_marks_the_leads_port_and_every_other_port_plainly() -> None:
    svg = border_svg(Location(port=Port.US_LAREDO_WTB, corridor="TX-I35"), title="<map>")
    assert svg.count('class="port hit"') == 1
    assert 'data-port="US-LAREDO-WTB"' in svg
    assert 'class="segment hit"' in svg
    assert svg.count('class="port"') == len(Port) - 1
    assert "&lt;map&gt;" in svg  # the title is escaped
    assert "hit" not in border_svg(None, title="map")


def test_the_whole_copy_of_a_revision_wins_over_its_redacted_copy() -> None:
    """The dashboard reads every lead topic: a fact-only copy read first (ANAM's) must not
    hide the whole lead from officers entitled to it; each officer gets visible_lead's view."""
    board = Board()
    whole = make_lead()
    assert board.add_lead(redact(whole), agency=Agency.ANAM, written_at=T0)
    assert board.add_lead(whole, agency=Agency.HSI, written_at=T0)
    assert board.leads[whole.lead_id].lead == whole
    assert not board.add_lead(redact(whole), agency=Agency.ANAM, written_at=T0)
    assert board.leads[whole.lead_id].lead == whole
